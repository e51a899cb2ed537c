"""Concurrency against the reference server on loopback:
- four python imaplib sessions on one mailbox do random APPEND / UID STORE / UID EXPUNGE /
  UID MOVE (fixed seed) for DURATION seconds, while one session IDLEs and one follows every
  change with NOOP and checks its sequence-number map; then every session converges on the
  same UIDs and flags, and the logs agree: no UID handed out twice by APPENDUID/COPYUID, no
  message lost, nothing that an acknowledged UID EXPUNGE or UID MOVE removed is still there,
  every message still has the Message-ID it was appended with, the target of UID MOVE holds
  exactly what COPYUID said (a message two sessions moved at the same moment is there twice,
  as with Dovecot 2.3 on Maildir: reported, not failed);
- POP3 and IMAP on the same user at once: POP3 holds the maildrop while IMAP appends, flags and
  expunges; both stay consistent and the server stays up.
Usage: imap_concurrency_test.py SERVER_BINARY"""
import imaplib
import poplib
import random
import re
import socket
import ssl
import sys
import threading
import time
import unittest

from server_fixture import ReferenceServer

BINARY = None
TLS = ssl._create_unverified_context()
PASSWORD = "conc pass"
SEED = 4242
DURATION = 15.0  # seconds of random traffic
WORKERS = 4
KEYWORDS = (r"\Seen", r"\Flagged", r"\Answered", "$Work", "$Later")

imaplib.Commands.setdefault("MOVE", ("SELECTED",))


def message(mid, n=0):
    return ("From: w@example.org\r\nSubject: concurrent %s\r\nMessage-ID: <%s>\r\n\r\nbody %d\r\n"
            % (mid, mid, n)).encode()


class Raw:
    """A line-level IMAP session over TLS, to follow unsolicited responses exactly."""

    def __init__(self, port, user):
        self.sock = TLS.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30))
        self.buf = b""
        self.n = 0
        self.line()
        tagged, _ = self.command('LOGIN %s "%s"' % (user, PASSWORD))
        assert b" OK" in tagged, tagged

    def line(self, timeout=30.0):
        self.sock.settimeout(timeout)
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        assert not re.search(rb"\{\d+\}$", line), "unexpected literal: %r" % line
        return line

    def command(self, text, on_untagged=None):
        self.n += 1
        tag = b"t%d" % self.n
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        untagged = []
        while True:
            l = self.line()
            if l.startswith(tag + b" "):
                return l, untagged
            untagged.append(l)
            if on_untagged:
                on_untagged(l)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class SeqView:
    """A client's idea of the mailbox from EXISTS/EXPUNGE/FETCH alone (RFC 3501 7.4.1, 7.3.1)."""

    def __init__(self, name, uids):
        self.name = name
        self.uids = list(uids)  # uid of each sequence number (None: known to exist, UID unknown)
        self.problems = []

    def apply(self, l):
        m = re.match(rb"\* (\d+) (EXISTS|EXPUNGE|FETCH)\b(.*)", l)
        if not m:
            return
        k, what, rest = int(m.group(1)), m.group(2), m.group(3)
        if what == b"EXISTS":
            if k < len(self.uids):
                self.problems.append("%s: EXISTS %d below the %d known messages" % (self.name, k, len(self.uids)))
            self.uids += [None] * (k - len(self.uids))
        elif what == b"EXPUNGE":
            if not 1 <= k <= len(self.uids):
                self.problems.append("%s: EXPUNGE %d of %d messages" % (self.name, k, len(self.uids)))
            else:
                del self.uids[k - 1]
        else:
            if not 1 <= k <= len(self.uids):
                self.problems.append("%s: FETCH %d of %d messages: %r" % (self.name, k, len(self.uids), l))
                return
            u = re.search(rb"UID (\d+)", rest)
            if u:
                uid = int(u.group(1))
                if self.uids[k - 1] is None:
                    self.uids[k - 1] = uid
                elif self.uids[k - 1] != uid:
                    self.problems.append("%s: message %d is UID %d, was UID %d" % (self.name, k, uid, self.uids[k - 1]))


class Concurrency(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ReferenceServer(BINARY)
        for u in ("shared", "both"):
            cls.server.add_user(u, PASSWORD)
        cls.server.start(listeners=("imaps", "pop3s"))

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def tearDown(self):
        self.assertIsNone(self.server.proc.poll(), "the server exited")

    def imap(self, user):
        c = imaplib.IMAP4_SSL("127.0.0.1", self.server.ports["imaps"], ssl_context=TLS, timeout=30)
        c.login(user, PASSWORD)
        return c

    def view(self, c):
        """{uid: flags} of the selected mailbox, after a NOOP."""
        typ, _ = c.noop()
        self.assertEqual(typ, "OK")
        c.untagged_responses.pop("FETCH", None)  # unsolicited flag updates from before
        typ, dat = c.fetch("1:*", "(UID FLAGS)") if self.exists(c) else ("OK", [])
        self.assertEqual(typ, "OK", dat)
        out = {}
        for d in dat:
            if d is None or b"UID" not in d:
                continue
            uid = int(re.search(rb"UID (\d+)", d).group(1))
            self.assertNotIn(uid, out, "UID %d twice in one FETCH" % uid)
            out[uid] = frozenset(f.decode() for f in imaplib.ParseFlags(d)) - {"\\Recent"}
        return out

    def exists(self, c):
        typ, dat = c.search(None, "ALL")
        return bool(dat[0].split())

    def test_random_traffic_converges(self):
        user = "shared"
        setup = self.imap(user)
        self.assertEqual(setup.create("Moved")[0], "OK")
        validity = {}
        appended = {}      # uid -> Message-ID (from APPENDUID)
        expunged = set()   # uids removed by an acknowledged UID EXPUNGE
        moved = {}         # source uid -> destination uids (from COPYUID)
        double_moves = []  # (source uid, destination uids) moved by two sessions at once
        errors = []
        lock = threading.Lock()
        for n in range(10):  # something to work on from the start
            typ, dat = setup.append("INBOX", None, None, message("seed-%d@example.org" % n))
            m = re.search(rb"\[APPENDUID (\d+) (\d+)\]", dat[0])
            validity["INBOX"] = int(m.group(1))
            appended[int(m.group(2))] = "seed-%d@example.org" % n
        setup.logout()

        stop = threading.Event()
        ops = {}
        move_log = []      # (worker, source uid, destination uid, COPYUID data) of each OK UID MOVE
        refused_moves = []  # (worker, source uid) of each UID MOVE answered NO [EXPUNGEISSUED]

        def worker(i):
            rng = random.Random(SEED + i)
            c = self.imap(user)
            c.select("INBOX")
            count = 0
            try:
                while not stop.is_set():
                    with lock:
                        known = sorted(appended)
                    op = rng.choices(("append", "store", "expunge", "move", "search"), (30, 30, 15, 15, 10))[0]
                    ops[op] = ops.get(op, 0) + 1
                    if op == "append" or not known:
                        count += 1
                        mid = "w%d-%d@example.org" % (i, count)
                        flags = "(%s)" % " ".join(rng.sample(KEYWORDS, rng.randint(0, 2)))
                        typ, dat = c.append("INBOX", flags, None, message(mid, count))
                        m = re.search(rb"\[APPENDUID (\d+) (\d+)\]", dat[0] or b"")
                        if typ != "OK" or not m:
                            errors.append("worker %d APPEND: %s %r" % (i, typ, dat))
                            continue
                        with lock:
                            uid = int(m.group(2))
                            if int(m.group(1)) != validity["INBOX"]:
                                errors.append("APPENDUID with UIDVALIDITY %s" % m.group(1))
                            if uid in appended:
                                errors.append("APPENDUID %d handed out twice (%s and %s)" % (uid, appended[uid], mid))
                            appended[uid] = mid
                        continue
                    uid = str(rng.choice(known[-40:]))
                    if op == "store":
                        sign = rng.choice("+-")
                        typ, dat = c._simple_command("UID", "STORE", uid, sign + "FLAGS",
                                                     "(%s)" % " ".join(rng.sample(KEYWORDS, 2)))
                    elif op == "expunge":
                        # A UID this session has not been told about yet (no EXISTS so far)
                        # is not in its view: STORE and EXPUNGE ignore it, as Dovecot does.
                        # Count the EXPUNGE only when the STORE answered for the message.
                        c.untagged_responses.pop("FETCH", None)
                        typ, dat = c._simple_command("UID", "STORE", uid, "+FLAGS", r"(\Deleted)")
                        seen = any(re.search(rb"UID %s\b" % uid.encode(), d) and b"\\Deleted" in d
                                   for d in c.untagged_responses.pop("FETCH", []) if d)
                        if typ == "OK" and seen:
                            typ, dat = c._simple_command("UID", "EXPUNGE", uid)
                            if typ == "OK":
                                with lock:
                                    expunged.add(int(uid))
                    elif op == "move":
                        c.untagged_responses.pop("COPYUID", None)
                        typ, dat = c._simple_command("UID", "MOVE", uid, "Moved")
                        # RFC 6851 4.3: COPYUID in the tagged OK or an untagged OK before it
                        copyuid = (c.untagged_responses.pop("COPYUID", None) or [b""])[-1]
                        m = re.match(rb"(\d+) ([\d:,]+) ([\d:,]+)$", copyuid or b"")
                        if typ == "OK" and m:
                            with lock:
                                validity.setdefault("Moved", int(m.group(1)))
                                if m.group(2) != uid.encode():
                                    errors.append("UID MOVE %s: COPYUID source %s" % (uid, m.group(2)))
                                dst = int(m.group(3))
                                if any(dst in d for d in moved.values()):
                                    errors.append("COPYUID destination %d handed out twice" % dst)
                                if int(uid) in moved:
                                    # Two sessions moved the same message at once and both got OK
                                    # [COPYUID]: it is now twice in the target. Dovecot 2.3 on Maildir
                                    # does the same (RFC 6851 3.1 defines MOVE by COPY+EXPUNGE), so
                                    # it is counted, not failed; both copies must be there.
                                    double_moves.append((int(uid), moved[int(uid)] + [dst]))
                                moved.setdefault(int(uid), []).append(dst)
                                move_log.append((i, int(uid), dst, copyuid))
                    else:
                        typ, dat = c._simple_command("UID", "SEARCH", "ALL")
                        if typ == "OK":
                            _, found = c._untagged_response(typ, dat, "SEARCH")
                            uids = [int(x) for x in (found[-1] or b"").split()]
                            if uids != sorted(set(uids)):
                                errors.append("UID SEARCH not ascending/unique: %r" % uids[:20])
                    if typ == "NO" and op == "move" and b"[EXPUNGEISSUED]" in (dat[-1] or b""):
                        # another session expunged it first (RFC 5530; Dovecot answers so too)
                        ops["move refused: EXPUNGEISSUED"] = ops.get("move refused: EXPUNGEISSUED", 0) + 1
                        with lock:
                            refused_moves.append((i, int(uid)))
                    elif typ != "OK":
                        errors.append("worker %d %s %s: %s %r" % (i, op, uid, typ, dat))
                    for key in ("FETCH", "EXPUNGE", "EXISTS", "RECENT", "COPYUID", "SEARCH"):
                        c.untagged_responses.pop(key, None)  # keep memory flat
            except (imaplib.IMAP4.error, OSError) as e:
                errors.append("worker %d: %r" % (i, e))
            results[i] = c

        # The follower: NOOP in a loop, its sequence map checked against every FETCH 1:*.
        follower = Raw(self.server.ports["imaps"], user)
        tagged, untagged = follower.command("SELECT INBOX")
        self.assertIn(b" OK", tagged)
        fview = SeqView("follower", [])
        for l in untagged:
            fview.apply(l)
        follower_rounds = [0]

        def refresh(raw, view, final=False):
            """FETCH 1:* (UID) to learn the UID of each sequence number. A message that another
            session expunged before this one learnt its UID stays in this session's view until
            the next NOOP reports the EXPUNGE, and FETCH may leave it out (RFC 2180 4.1), so
            retry after a NOOP; when nothing else is running (final) every UID must be known."""
            for attempt in range(3):
                if not view.uids:
                    return
                tagged, untagged = raw.command("FETCH 1:* (UID)", view.apply)
                if b" OK" not in tagged:
                    view.problems.append("%s: %r" % (view.name, tagged))
                if any(re.match(rb"\* \d+ EXPUNGE", l) for l in untagged):
                    # RFC 3501 7.4.1: no EXPUNGE while responding to FETCH
                    view.problems.append("%s: EXPUNGE during FETCH: %r" % (view.name, untagged))
                if None not in view.uids or final:
                    break
                raw.command("NOOP", view.apply)
            if final and None in view.uids:
                view.problems.append("%s: FETCH 1:* left UIDs unknown: %r" % (view.name, view.uids))

        def follow():
            try:
                while not stop.is_set():
                    follower.command("NOOP", fview.apply)
                    refresh(follower, fview)
                    follower_rounds[0] += 1
                    time.sleep(0.05)
            except (OSError, EOFError, AssertionError) as e:
                errors.append("follower: %r" % e)

        # The idler: IDLE the whole time, counting EXISTS/EXPUNGE.
        idler = Raw(self.server.ports["imaps"], user)
        tagged, untagged = idler.command("SELECT INBOX")
        iview = SeqView("idler", [])
        for l in untagged:
            iview.apply(l)
        refresh(idler, iview)
        idle_tag = b"idle1"
        idler.sock.sendall(idle_tag + b" IDLE\r\n")
        self.assertTrue(idler.line().startswith(b"+"))
        idle_lines = []

        def idle():
            try:
                while True:
                    l = idler.line(timeout=DURATION + 30)
                    if l.startswith(idle_tag + b" "):
                        idle_lines.append(l)
                        return
                    iview.apply(l)
            except (OSError, EOFError, AssertionError) as e:
                errors.append("idler: %r" % e)

        results = {}
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
        threads += [threading.Thread(target=follow), threading.Thread(target=idle)]
        for t in threads:
            t.start()
        time.sleep(DURATION)
        stop.set()
        for t in threads[:-1]:
            t.join(60)
        idler.sock.sendall(b"DONE\r\n")
        threads[-1].join(30)
        sys.stderr.write("operations: %r, follower rounds %d, %d appended, %d expunged, %d moved, %d of them "
                         "by two sessions at once %r\n" % (ops, follower_rounds[0], len(appended), len(expunged),
                                                            len(moved), len(double_moves), double_moves[:5]))
        self.assertFalse(errors, "\n".join(errors[:30]))
        self.assertEqual(len(idle_lines), 1, "IDLE did not end")
        self.assertIn(b" OK", idle_lines[0])

        # Everyone converges on one view.
        views = {"worker %d" % i: self.view(c) for i, c in results.items()}
        fresh = self.imap(user)
        fresh.select("INBOX")
        views["fresh session"] = self.view(fresh)
        for raw, v in ((follower, fview), (idler, iview)):
            raw.command("NOOP", v.apply)
            refresh(raw, v, final=True)
            tagged, untagged = raw.command("UID FETCH 1:* (FLAGS)", v.apply) if v.uids else (b"", [])
            flags = {}
            for l in untagged:
                u, f = re.search(rb"UID (\d+)", l), re.search(rb"FLAGS \(([^)]*)\)", l)
                if u and f:
                    flags[int(u.group(1))] = frozenset(x.decode() for x in f.group(1).split()) - {"\\Recent"}
            self.assertFalse(v.problems, "\n".join(v.problems[:20]))
            self.assertEqual(sorted(flags), v.uids, "%s: its tracked sequence map is wrong" % v.name)
            views[v.name] = flags
        reference = views["fresh session"]
        for name, v in views.items():
            self.assertEqual(v, reference, "%s did not converge" % name)

        # The logs agree with the result.
        present = set(reference)
        removed = expunged | set(moved)
        self.assertFalse(present & expunged, "acknowledged UID EXPUNGE undone: %s" % sorted(present & expunged))
        self.assertFalse(present & set(moved), "moved away but still here: %s" % sorted(present & set(moved)))
        lost = set(appended) - removed - present
        self.assertFalse(lost, "messages lost: %s" % sorted(lost))
        unknown = present - set(appended)
        self.assertFalse(unknown, "UIDs nobody appended: %s" % sorted(unknown))
        self.assertGreater(len(expunged), 5)
        self.assertGreater(len(moved), 5)
        typ, dat = fresh.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        for d in dat:
            if isinstance(d, tuple):
                uid = int(re.search(rb"UID (\d+)", d[0]).group(1))
                self.assertEqual(re.search(rb"<([^>]*)>", d[1]).group(1).decode(), appended[uid])
        fresh.select("Moved")
        typ, dat = fresh.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        in_moved = {}
        for d in dat:
            if isinstance(d, tuple):
                in_moved[int(re.search(rb"UID (\d+)", d[0]).group(1))] = re.search(rb"<([^>]*)>", d[1]).group(1).decode()
        want_moved = {dst: appended[src] for src, dsts in moved.items() for dst in dsts}
        diff = sorted((uid, in_moved.get(uid), want_moved.get(uid)) for uid in set(in_moved) | set(want_moved)
                      if in_moved.get(uid) != want_moved.get(uid))
        involved = {mid for _, a, b in diff for mid in (a, b) if mid}
        uid_of = {mid: uid for uid, mid in appended.items()}
        self.assertFalse(diff, "Moved differs from the COPYUID log: (Moved UID, there, logged) %r; moves of "
                         "those messages: OK %r, NO [EXPUNGEISSUED] %r" % (
                             diff, [e for e in move_log if appended[e[1]] in involved],
                             [e for e in refused_moves if appended[e[1]] in involved]))
        typ, dat = fresh.status("INBOX", "(UIDNEXT UIDVALIDITY)")
        self.assertIn(b"UIDVALIDITY %d" % validity["INBOX"], dat[0])
        self.assertGreater(int(re.search(rb"UIDNEXT (\d+)", dat[0]).group(1)), max(appended))
        for c in list(results.values()) + [fresh]:
            c.logout()
        follower.close()
        idler.close()

    def message_ids(self, c):
        typ, dat = c.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        self.assertEqual(typ, "OK", dat)
        return {int(re.search(rb"UID (\d+)", d[0]).group(1)): re.search(rb"<([^>]*)>", d[1]).group(1).decode()
                for d in dat if isinstance(d, tuple)}

    def test_pop3_and_imap_on_one_user(self):
        user = "both"
        for n in range(8):
            self.server.deliver(message("pop-%d@example.org" % n, n), user=user)
        imap = self.imap(user)
        imap.select("INBOX")
        before = self.view(imap)
        mids = self.message_ids(imap)
        self.assertEqual(len(before), 8)
        pop = poplib.POP3_SSL("127.0.0.1", self.server.ports["pop3s"], context=TLS, timeout=30)
        pop.user(user)
        pop.pass_(PASSWORD)
        listing = {int(n): u for n, u in (l.decode().split() for l in pop.uidl()[1])}
        self.assertEqual(len(listing), 8)
        pop_mid = {}
        for n in listing:
            head = b"\n".join(pop.top(n, 0)[1])
            pop_mid[n] = re.search(rb"Message-ID: <([^>]*)>", head).group(1).decode()
        self.assertEqual(sorted(pop_mid.values()), sorted(mids.values()))
        number_of = {mid: n for n, mid in pop_mid.items()}
        # The maildrop is locked for a second POP3 session (RFC 1939 section 8).
        second = poplib.POP3_SSL("127.0.0.1", self.server.ports["pop3s"], context=TLS, timeout=30)
        second.user(user)
        with self.assertRaises(poplib.error_proto):
            second.pass_(PASSWORD)
        second.close()

        # IMAP works while POP3 holds the maildrop.
        typ, dat = imap.append("INBOX", None, None, message("imap-new@example.org"))
        self.assertEqual(typ, "OK", dat)
        uids = sorted(before)
        flagged, gone, popped = uids[0], uids[1], uids[2:4]
        self.assertEqual(imap.uid("STORE", str(flagged), "+FLAGS", r"(\Flagged)")[0], "OK")
        self.assertEqual(imap.uid("STORE", str(gone), "+FLAGS", r"(\Deleted)")[0], "OK")
        self.assertEqual(imap._simple_command("UID", "EXPUNGE", str(gone))[0], "OK")
        # POP3 reads everything in its listing: the message IMAP expunged is either served
        # whole (still open) or refused, never something else.
        for n in sorted(listing):
            try:
                lines = pop.retr(n)[1]
            except poplib.error_proto:
                self.assertEqual(n, number_of[mids[gone]], "RETR %d refused" % n)
                continue
            self.assertIn(b"Message-ID: <%s>" % pop_mid[n].encode(), lines)
        for u in popped:
            pop.dele(number_of[mids[u]])
        self.assertTrue(pop.quit().startswith(b"+OK"))

        after = self.view(imap)
        new = set(after) - set(uids)
        self.assertEqual(len(new), 1, "IMAP view after POP3 QUIT: %r" % sorted(after))
        self.assertEqual(set(after), set(uids) - {gone} - set(popped) | new)
        self.assertIn("\\Flagged", after[flagged])
        fresh = self.imap(user)
        fresh.select("INBOX")
        self.assertEqual(self.view(fresh), after)
        pop = poplib.POP3_SSL("127.0.0.1", self.server.ports["pop3s"], context=TLS, timeout=30)
        pop.user(user)
        pop.pass_(PASSWORD)
        now = [l.decode().split()[1] for l in pop.uidl()[1]]
        self.assertEqual(len(now), len(after))
        kept = {listing[number_of[mids[u]]] for u in after if u in mids}
        self.assertTrue(kept <= set(now), "UIDLs changed")
        pop.quit()
        imap.logout()
        fresh.logout()


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
