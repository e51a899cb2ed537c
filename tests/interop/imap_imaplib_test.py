"""Interop: python3 imaplib (a real IMAP client from Debian) against the reference server
over loopback, over IMAPS and over STARTTLS: the login policy (PRIVACYREQUIRED before
STARTTLS), CAPABILITY, LIST, CREATE/RENAME/DELETE, SUBSCRIBE/LSUB, STATUS, APPEND (small and
5 MB), GETQUOTAROOT, NAMESPACE, ID; IDLE pushes (another IMAP session's APPEND and EXPUNGE, a
POP3 deletion, a file dropped into Maildir new/); the selected-state commands (SELECT, FETCH,
STORE, SEARCH, COPY, MOVE, EXPUNGE); and bad input (garbage, an over-long line, a 1 GiB
literal, 200 pipelined NOOPs) answered with BAD/NO while the server stays up.
Usage: imap_imaplib_test.py SERVER_BINARY"""
import imaplib
import os
import poplib
import re
import socket
import ssl
import subprocess
import sys
import time
import unittest

from server_fixture import ReferenceServer

BINARY = None
TLS = ssl._create_unverified_context()  # self-signed test certificate

# imaplib (3.11) knows neither ID (RFC 2971) nor MOVE (RFC 6851); teach it the states.
imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))
imaplib.Commands.setdefault("MOVE", ("SELECTED",))

PRIVACY_REQUIRED = b"[PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections."
USERS = {"alice": "wonder land", "bob": "builder", "carol": "c4rol", "dave": "d", "erin": "e",
         "frank": "f", "gina": "g"}
IDLE_BOUND = 1.0       # issue [4/7]: other sessions' changes reach an idler within one second
DELIVERY_BOUND = 1.5   # a file dropped into new/ (found by the 1 s poll)


def message(n, subject=None, body_lines=3):
    lines = ["From: sender%d@example.org" % n, "To: someone@example.org",
             "Subject: %s" % (subject or "test message %d" % n), "Message-ID: <i%d@example.org>" % n,
             "Date: Mon, 7 Feb 1994 21:52:25 -0800", ""]
    lines += ["body line %d of message %d" % (i, n) for i in range(body_lines)]
    return ("\r\n".join(lines) + "\r\n").encode()


def big_message(size):
    head = b"From: big@example.org\r\nSubject: five megabytes\r\n\r\n"
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\r\n"
    return head + line * ((size - len(head)) // len(line) + 1)


def add_user(server, user, password):
    entry = subprocess.run([BINARY, "hash-password", "--user", user], input=password + "\n",
                           capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(server.state_dir, "users"), "a") as f:
        f.write(entry + "\n")


class Raw:
    """A line-level IMAP client on a raw socket, for what imaplib cannot do: IDLE with
    bounded waits, exact reply lines, and malformed input."""

    def __init__(self, port, implicit_tls=False, starttls=False):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock = TLS.wrap_socket(sock) if implicit_tls else sock
        self.buf = b""
        self.n = 0
        self.greeting = self.line()
        if starttls:
            status, _ = self.command("STARTTLS")
            assert status.split()[1] == b"OK", status
            self.sock = TLS.wrap_socket(self.sock)
            self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def line(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while b"\r\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no line within %.1f s" % timeout)
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("no line within %.1f s" % timeout)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def next_tag(self):
        self.n += 1
        return b"r%d" % self.n

    def command(self, text, timeout=10.0):
        """Sends one command; returns (tagged line, untagged lines). Line-only replies."""
        tag = self.next_tag()
        self.send(tag + b" " + (text.encode() if isinstance(text, str) else text) + b"\r\n")
        untagged = []
        while True:
            l = self.line(timeout)
            if l.startswith(tag + b" "):
                return l, untagged
            untagged.append(l)

    def login(self, user):
        status, _ = self.command('LOGIN %s "%s"' % (user, USERS[user]))
        assert status.split()[1] == b"OK", status

    def wait_for(self, pattern, timeout):
        """Reads lines until one matches `pattern`; returns (line, seconds waited, lines seen)."""
        t0 = time.monotonic()
        seen = []
        while True:
            left = timeout - (time.monotonic() - t0)
            try:
                l = self.line(max(left, 0.0))
            except TimeoutError:
                raise AssertionError("nothing matching %r within %.1f s; saw %r" % (pattern, timeout, seen))
            seen.append(l)
            if re.match(pattern, l):
                return l, time.monotonic() - t0, seen

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class ImapInterop(unittest.TestCase):
    latencies = {}

    @classmethod
    def setUpClass(cls):
        cls.server = ReferenceServer(BINARY).start(listeners=("imap", "imaps", "pop3s"))
        for user, password in USERS.items():
            add_user(cls.server, user, password)
        time.sleep(1.1)  # the passwd-file is re-read when its mtime changes (1 s granularity)

    @classmethod
    def tearDownClass(cls):
        for name, value in sorted(cls.latencies.items()):
            sys.stderr.write("IDLE latency %s: %.3f s\n" % (name, value))
        cls.server.cleanup()

    def tearDown(self):
        self.assertIsNone(self.server.proc.poll(), "the server exited")

    # --- connections -------------------------------------------------------------

    def imaps(self, user=None):
        c = imaplib.IMAP4_SSL("127.0.0.1", self.server.ports["imaps"], ssl_context=TLS, timeout=30)
        if user:
            c.login(user, USERS[user])
        return c

    def starttls(self, user=None):
        c = imaplib.IMAP4("127.0.0.1", self.server.ports["imap"], timeout=30)
        c.starttls(ssl_context=TLS)
        if user:
            c.login(user, USERS[user])
        return c

    def assertOk(self, reply):
        self.assertEqual(reply[0], "OK", reply)
        return reply[1]

    # --- login policy and capabilities -----------------------------------------

    def test_plaintext_login_refused_before_starttls(self):
        c = imaplib.IMAP4("127.0.0.1", self.server.ports["imap"], timeout=30)
        self.assertIn("STARTTLS", c.capabilities)
        self.assertIn("LOGINDISABLED", c.capabilities)
        self.assertFalse([cap for cap in c.capabilities if cap.startswith("AUTH=")])
        with self.assertRaises(imaplib.IMAP4.error) as err:
            c.login("alice", USERS["alice"])
        self.assertEqual(err.exception.args[0], PRIVACY_REQUIRED)
        c.starttls(ssl_context=TLS)
        caps = self.assertOk(c.capability())[0].split()
        self.assertNotIn(b"STARTTLS", caps)
        self.assertNotIn(b"LOGINDISABLED", caps)
        self.assertIn(b"AUTH=PLAIN", caps)
        self.assertOk(c.login("alice", USERS["alice"]))
        c.logout()

        # The exact wire answer, and AUTHENTICATE is refused the same way.
        r = Raw(self.server.ports["imap"])
        self.assertTrue(r.greeting.startswith(b"* OK [CAPABILITY IMAP4rev1"), r.greeting)
        status, _ = r.command('LOGIN alice "wonder land"')
        self.assertEqual(status, b"r1 NO " + PRIVACY_REQUIRED)
        status, _ = r.command("AUTHENTICATE PLAIN")
        self.assertEqual(status, b"r2 NO " + PRIVACY_REQUIRED)
        r.close()

    def test_plaintext_pipelined_behind_starttls_is_discarded(self):
        # RFC 3501 section 6.2.1 / CVE-2011-0411: nothing sent before the handshake counts.
        r = Raw(self.server.ports["imap"])
        r.send(b"s1 STARTTLS\r\ns2 LOGIN alice \"wonder land\"\r\n")
        self.assertTrue(r.line().startswith(b"s1 OK"))
        r.sock = TLS.wrap_socket(r.sock)
        status, _ = r.command("NOOP")
        self.assertTrue(status.startswith(b"r1 OK"), status)
        status, _ = r.command("SELECT INBOX")  # still not authenticated: s2 was dropped
        self.assertTrue(status.startswith(b"r2 BAD") or status.startswith(b"r2 NO"), status)
        r.close()

    def test_imaps_capability_and_login(self):
        c = self.imaps()
        caps = self.assertOk(c.capability())[0].split()
        for cap in (b"IMAP4rev1", b"AUTH=PLAIN", b"IDLE", b"LITERAL+", b"NAMESPACE", b"ID"):
            self.assertIn(cap, caps)
        self.assertNotIn(b"STARTTLS", caps)
        self.assertNotIn(b"LOGINDISABLED", caps)
        with self.assertRaises(imaplib.IMAP4.error) as err:
            c.login("alice", "wrong")
        self.assertIn(b"[AUTHENTICATIONFAILED]", err.exception.args[0])
        self.assertOk(c.login("alice", USERS["alice"]))
        caps = self.assertOk(c.capability())[0].split()
        for cap in (b"IDLE", b"UIDPLUS", b"MOVE", b"QUOTA", b"CONDSTORE", b"SPECIAL-USE"):
            self.assertIn(cap, caps)
        c.logout()

    # --- authenticated state -------------------------------------------------------

    def test_mailbox_management(self):
        c = self.starttls("alice")
        names = lambda: [re.search(rb'"/" (.*)$', l).group(1).strip(b'"') for l in self.assertOk(c.list())]
        self.assertIn(b"INBOX", names())
        self.assertOk(c.create("Projects"))
        self.assertOk(c.create("Projects/2024"))
        self.assertIn(b"Projects/2024", names())
        typ, dat = c.create("Projects")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[ALREADYEXISTS]", dat[0])
        self.assertOk(c.rename("Projects/2024", "Projects/Archive"))
        self.assertNotIn(b"Projects/2024", names())
        self.assertIn(b"Projects/Archive", names())
        self.assertOk(c.subscribe("Projects/Archive"))
        lsub = self.assertOk(c.lsub())
        self.assertTrue(any(l.endswith(b"Projects/Archive") or l.endswith(b'"Projects/Archive"')
                            for l in lsub if l), lsub)
        self.assertOk(c.unsubscribe("Projects/Archive"))
        self.assertFalse(any(l and b"Projects/Archive" in l for l in self.assertOk(c.lsub())))
        self.assertOk(c.delete("Projects/Archive"))
        self.assertNotIn(b"Projects/Archive", names())
        typ, dat = c.delete("Nonexistent")
        self.assertEqual(typ, "NO")
        status = self.assertOk(c.status("INBOX", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)"))[0]
        for item in (b"MESSAGES", b"UIDNEXT", b"UIDVALIDITY", b"UNSEEN"):
            self.assertIn(item, status)
        c.logout()

    def test_append_small_and_large(self):
        c = self.imaps("carol")
        before = int(re.search(rb"MESSAGES (\d+)", self.assertOk(c.status("INBOX", "(MESSAGES)"))[0]).group(1))
        dat = self.assertOk(c.append("INBOX", r"(\Flagged)", None, message(1)))
        self.assertIn(b"[APPENDUID ", dat[0])
        big = big_message(5 * 1024 * 1024)
        started = time.monotonic()
        dat = self.assertOk(c.append("INBOX", None, None, big))
        self.assertIn(b"[APPENDUID ", dat[0])
        sys.stderr.write("APPEND of %d bytes: %.2f s\n" % (len(big), time.monotonic() - started))
        after = int(re.search(rb"MESSAGES (\d+)", self.assertOk(c.status("INBOX", "(MESSAGES)"))[0]).group(1))
        self.assertEqual(after, before + 2)
        sizes = [os.path.getsize(p) for p in self.server.message_files("carol")]
        self.assertIn(len(big), sizes)  # stored byte for byte
        typ, dat = c.append("Nowhere", None, None, message(2))
        self.assertEqual(typ, "NO")
        self.assertIn(b"[TRYCREATE]", dat[0])
        typ, dat = c.getquotaroot("INBOX")
        self.assertEqual(typ, "OK", dat)
        roots, quotas = dat
        self.assertTrue(roots and roots[0].startswith(b"INBOX"), roots)
        self.assertTrue(any(b"STORAGE" in q for q in quotas if q), quotas)
        c.logout()

    def test_namespace_and_id(self):
        c = self.imaps()
        typ, dat = c._simple_command("ID", '("name" "imaplib" "version" "%d.%d")' % sys.version_info[:2])
        self.assertEqual(typ, "OK")
        typ, dat = c._untagged_response(typ, dat, "ID")
        self.assertIn(b'"name" "mailaccess"', dat[0])
        c.login("alice", USERS["alice"])
        dat = self.assertOk(c.namespace())
        self.assertEqual(dat[0], b'(("" "/")) NIL NIL')
        c.logout()

    # --- IDLE ----------------------------------------------------------------------

    def idler(self, user, implicit_tls):
        r = Raw(self.server.ports["imaps" if implicit_tls else "imap"], implicit_tls=implicit_tls,
                starttls=not implicit_tls)
        r.login(user)
        status, untagged = r.command("SELECT INBOX")
        self.assertTrue(status.split()[1] == b"OK", status)
        exists = [int(l.split()[1]) for l in untagged if re.match(rb"\* \d+ EXISTS", l)]
        self.assertEqual(len(exists), 1, untagged)
        tag = r.next_tag()
        r.send(tag + b" IDLE\r\n")
        self.assertTrue(r.line().startswith(b"+ "))
        return r, tag, exists[0]

    def end_idle(self, r, tag):
        r.send(b"DONE\r\n")
        line, _, _ = r.wait_for(re.escape(tag) + rb" ", 5)
        self.assertTrue(line.startswith(tag + b" OK"), line)

    def run_idle_pushes(self, user, idler_tls):
        for n in range(2):
            self.server.deliver(message(n), user=user)
        r, tag, exists = self.idler(user, idler_tls)

        # Another IMAP session's APPEND (over the other transport).
        other = self.starttls(user) if idler_tls else self.imaps(user)
        started = time.monotonic()
        self.assertOk(other.append("INBOX", None, None, message(10)))
        r.wait_for(rb"\* %d EXISTS" % (exists + 1), IDLE_BOUND)
        # Reported from the start of the APPEND command (the change is made before its OK).
        self.latencies["APPEND->EXISTS (idler %s)" % ("IMAPS" if idler_tls else "STARTTLS")] = \
            time.monotonic() - started
        exists += 1

        # A file an outside MDA moves into new/ (no store event: found by the poll).
        self.server.deliver(message(11), user=user)
        delivered = time.monotonic()
        r.wait_for(rb"\* %d EXISTS" % (exists + 1), DELIVERY_BOUND)
        self.latencies["new/ file->EXISTS (idler %s)" % ("IMAPS" if idler_tls else "STARTTLS")] = \
            time.monotonic() - delivered
        exists += 1
        self.end_idle(r, tag)
        other.logout()
        r.close()

    def test_idle_push_idler_on_imaps(self):
        self.run_idle_pushes("bob", True)

    def test_idle_push_idler_on_starttls(self):
        self.run_idle_pushes("gina", False)

    def test_idle_push_from_pop3_deletion(self):
        for n in range(3):
            self.server.deliver(message(n), user="frank")
        r, tag, exists = self.idler("frank", True)
        p = poplib.POP3_SSL("127.0.0.1", self.server.ports["pop3s"], context=TLS, timeout=10)
        p.user("frank")
        p.pass_(USERS["frank"])
        p.dele(1)
        p.quit()  # the deletion is committed at QUIT (RFC 1939 UPDATE state)
        quit_done = time.monotonic()
        r.wait_for(rb"\* \d+ EXPUNGE", IDLE_BOUND)
        self.latencies["POP3 DELE+QUIT->EXPUNGE"] = time.monotonic() - quit_done
        self.end_idle(r, tag)
        r.close()

    def test_idle_push_from_imap_expunge(self):
        for n in range(3):
            self.server.deliver(message(n), user="dave")
        r, tag, exists = self.idler("dave", False)
        other = self.imaps("dave")
        self.assertOk(other.select("INBOX"))
        self.assertOk(other.store("1", "+FLAGS", r"(\Deleted)"))
        self.assertOk(other.expunge())
        expunged = time.monotonic()
        r.wait_for(rb"\* 1 EXPUNGE", IDLE_BOUND)
        self.latencies["IMAP EXPUNGE->EXPUNGE"] = time.monotonic() - expunged
        self.end_idle(r, tag)
        other.logout()
        r.close()

    # --- selected state ------------------------------------------------------------
    # One list of steps, each run even when an earlier one failed, so the report
    # names every selected-state command that does not work yet.

    def test_selected_state(self):
        user = "erin"
        texts = [message(100 + n, subject="selected %d" % n) for n in range(3)]
        c = self.imaps(user)
        for t in texts:
            self.assertOk(c.append("INBOX", None, None, t))
        self.assertOk(c.create("Archive2"))
        state = {}

        def select():
            dat = self.assertOk(c.select("INBOX"))
            self.assertEqual(int(dat[0]), 3)
            self.assertIn("READ-WRITE", c.untagged_responses)
            self.assertTrue(c.response("UIDVALIDITY")[1][0])

        def fetch_metadata():
            dat = self.assertOk(c.fetch("1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)"))
            self.assertEqual(len(dat), 3, dat)
            self.assertIn(b'"selected 0"', dat[0])
            sizes = [int(re.search(rb"RFC822.SIZE (\d+)", d).group(1)) for d in dat]
            self.assertEqual(sizes, [len(t) for t in texts])
            state["uids"] = [int(re.search(rb"UID (\d+)", d).group(1)) for d in dat]

        def fetch_bodies():
            dat = self.assertOk(c.fetch("1:3", "(BODY.PEEK[])"))
            bodies = [d[1] for d in dat if isinstance(d, tuple)]
            self.assertEqual(bodies, texts)
            dat = self.assertOk(c.fetch("2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))
            self.assertEqual(dat[0][1], b"Subject: selected 1\r\n\r\n")
            dat = self.assertOk(c.fetch("1", "(BODYSTRUCTURE)"))
            self.assertIn(b'("TEXT" "PLAIN"', dat[0].upper())

        def fetch_sets_seen():
            self.assertOk(c.fetch("1", "(BODY[TEXT])"))
            dat = self.assertOk(c.fetch("1", "(FLAGS)"))
            self.assertIn(b"\\Seen", dat[0])

        def store_flags():
            dat = self.assertOk(c.store("2", "+FLAGS", r"(\Flagged $Label1)"))
            self.assertIn(b"\\Flagged", dat[0])
            self.assertOk(c.store("2", "-FLAGS.SILENT", r"(\Flagged)"))
            dat = self.assertOk(c.fetch("2", "(FLAGS)"))
            self.assertNotIn(b"\\Flagged", dat[0])
            self.assertIn(b"$Label1", dat[0])
            self.assertOk(c.uid("STORE", str(state["uids"][2]), "+FLAGS", r"(\Answered)"))

        def search():
            self.assertEqual(self.assertOk(c.search(None, "ALL"))[0].split(), [b"1", b"2", b"3"])
            self.assertEqual(self.assertOk(c.search(None, "SUBJECT", '"selected 1"'))[0].split(), [b"2"])
            self.assertEqual(self.assertOk(c.search(None, "UNSEEN"))[0].split(), [b"2", b"3"])
            self.assertEqual(self.assertOk(c.search(None, "KEYWORD", "$Label1"))[0].split(), [b"2"])
            self.assertEqual(self.assertOk(c.uid("SEARCH", "ANSWERED"))[0].split(),
                             [str(state["uids"][2]).encode()])
            self.assertEqual(self.assertOk(c.search(None, "BODY", '"line 1 of message 101"'))[0].split(), [b"2"])

        def copy_and_move():
            dat = self.assertOk(c.copy("1", "Archive2"))
            self.assertIn(b"[COPYUID ", dat[0])
            self.assertOk(c.uid("MOVE", str(state["uids"][1]), "Archive2"))
            status = self.assertOk(c.status("Archive2", "(MESSAGES)"))[0]
            self.assertIn(b"MESSAGES 2", status)

        def expunge():
            # (imaplib keeps untagged responses until asked: drop MOVE's EXPUNGE first)
            self.assertEqual(c.response("EXPUNGE")[1], [str(2).encode()])
            self.assertOk(c.store("1", "+FLAGS", r"(\Deleted)"))
            dat = self.assertOk(c.expunge())
            self.assertEqual(dat, [b"1"])
            self.assertEqual(self.assertOk(c.search(None, "ALL"))[0].split(), [b"1"])

        def examine_is_read_only():
            self.assertOk(c.select("Archive2", readonly=True))
            typ, dat = c.store("1", "+FLAGS", r"(\Seen)")
            self.assertEqual(typ, "NO", dat)

        def close():
            self.assertOk(c.close())
            typ, _ = c.fetch("1", "(FLAGS)") if c.state == "SELECTED" else ("BAD", None)
            self.assertNotEqual(typ, "OK")

        steps = [select, fetch_metadata, fetch_bodies, fetch_sets_seen, store_flags, search,
                 copy_and_move, expunge, examine_is_read_only, close]
        failures = []
        for step in steps:
            try:
                step()
            except (AssertionError, imaplib.IMAP4.error, AttributeError, TypeError, IndexError,
                    ValueError) as e:
                failures.append("%s: %s" % (step.__name__, str(e)[:300]))
                if c.state == "LOGOUT":
                    break
        try:
            c.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
        if failures:
            self.fail("selected-state steps failed:\n  " + "\n  ".join(failures))

    # --- bad input -----------------------------------------------------------------

    def test_bad_input_gets_bad_and_everyone_stays_up(self):
        r = Raw(self.server.ports["imap"])
        r.send(b"\x00\x01\x02\xff\xfe garbage \x80\x81\r\n")
        self.assertTrue(r.line().startswith(b"* BAD "))  # no usable tag: untagged
        r.send(b"a1 NOOP " + b"x" * 9000 + b"\r\n")  # over the 8 KiB line limit
        self.assertTrue(r.line().startswith(b"a1 BAD "))
        r.send(b"a2 NOOP\r\n")
        self.assertTrue(r.line().startswith(b"a2 OK"))
        r.send(b"a3 LOGIN {1073741824}\r\n")  # a 1 GiB literal, refused before it is sent
        line = r.line()
        self.assertTrue(line.startswith(b"a3 NO [TOOBIG]"), line)
        r.send(b"a4 FROBNICATE\r\n")
        self.assertTrue(r.line().startswith(b"a4 BAD"))
        r.send(b"".join(b"p%d NOOP\r\n" % i for i in range(200)))  # pipelined before login
        for i in range(200):
            self.assertTrue(r.line().startswith(b"p%d OK" % i))
        r.close()

        s = Raw(self.server.ports["imaps"], implicit_tls=True)
        s.login("alice")
        status, _ = s.command("APPEND INBOX {1073741824}")
        self.assertTrue(status.startswith(b"r2 NO [TOOBIG]"), status)
        status, _ = s.command("SELECT")  # missing argument
        self.assertTrue(status.startswith(b"r3 BAD"), status)
        s.send(b"".join(b"q%d NOOP\r\n" % i for i in range(200)))  # pipelined, answered in order
        i = 0
        while i < 200:
            l = s.line()
            if l.startswith(b"*"):
                continue
            self.assertTrue(l.startswith(b"q%d OK" % i), l)
            i += 1
        status, _ = s.command("NOOP")
        self.assertIn(b"OK", status)
        # A non-synchronizing 1 GiB literal cannot be refused before it arrives: the session
        # answers and may close the connection; the server stays up either way.
        s.send(b"big APPEND INBOX {1073741824+}\r\n")
        try:
            line = s.line(5)
            self.assertTrue(re.match(rb"(big|\*) (NO|BAD|BYE)", line), line)
        except EOFError:
            pass
        s.close()

        self.assertIsNone(self.server.proc.poll())
        c = self.imaps("alice")
        self.assertOk(c.noop())
        c.logout()


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
