"""Safety of the reference server's IMAP side, on loopback:
- hostile mailbox names ("..", "../victim", "/abs", "a/../../b", "INBOX/../x", NUL, CR, LF and
  other control characters sent as literals, modified UTF-7 that decodes to "." or "/", names of
  300 to 5000 bytes, ...) given to CREATE, SELECT, EXAMINE, STATUS, APPEND, RENAME (both ways),
  SUBSCRIBE, LIST (as reference and as pattern) and DELETE get tagged OK/NO/BAD answers and never
  create, change or reveal anything outside the user's own Maildir (the file tree is compared
  before and after); whatever a folder is called, it lives in the user's Maildir;
- one user never sees, opens, counts or appends to another user's mailboxes, whatever the name,
  and cannot log in as another user (user names with "..", "/", NUL; SASL PLAIN authzid);
- kill -9 of the server during loops of APPEND / UID COPY / UID EXPUNGE, several rounds, each
  followed by a restart: every APPEND answered OK [APPENDUID v u] is there as UID u with its
  Message-ID under the same UIDVALIDITY v, every acknowledged COPYUID target is there, every
  acknowledged UID EXPUNGE stays done, and no UID ever names two different messages.
Usage: imap_safety_test.py SERVER_BINARY"""
import base64
import hashlib
import imaplib
import os
import random
import re
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
import unittest

from server_fixture import ReferenceServer

BINARY = None
TLS = ssl._create_unverified_context()
PASSWORD = "p4ss word"
SECRET_FOLDER = b"VictimSecretFolder"
SECRET_MID = b"victim-secret@example.org"
ESCAPE = "/tmp/mailaccess-escape-probe-%d" % os.getpid()

HOSTILE = [
    b"..", b".", b"...", b"../victim", b"../../victim/Maildir", b"../victim/Maildir/." + SECRET_FOLDER,
    b"../other", b"/abs", ESCAPE.encode(), b"/", b"a/../../b", b"INBOX/../x", b"INBOX/../../victim",
    b"INBOX/..", b"./x", b"x/.", b"x/..", b".hidden", b"a.b", b"..x", b"~victim", b"~victim/INBOX",
    b"~victim/" + SECRET_FOLDER, b"#users/victim/INBOX", b"Other Users/victim/INBOX", b"/victim/INBOX",
    b"victim/INBOX", b"victim", b"a\x00b", b"\x00", b"INBOX\x00/../victim", b"a\x01b",
    b"a\tb", b"a\rb", b"a\nb", b"a\r\nb", b"a\x7fb", b"a\x1bb", b"A" * 300, b"A" * 1025, b"B" * 5000,
    b"x/" * 200 + b"y", b"a//b", b"a/", b"&", b"&-", b"&Jjo", b"&AC4-", b"&AC4ALg-", b"&AC8-",
    b"a&AC8-b", b"&AC4ALgAv-victim", b"&AAA-", b"a&AAA-b", "Été".encode(), b"\xff\xfe", b"*", b"%", b"INBOX.x", b"\\",
    b"a\\b", b'a"b', b"(", b"{5}", b"tmp", b"cur", b"new", b"../mallory/Maildir/cur",
]


def message(mid, n=0):
    return ("From: s@example.org\r\nSubject: safety %d\r\nMessage-ID: <%s>\r\n\r\nbody %d\r\n"
            % (n, mid, n)).encode()


class Raw:
    """IMAP over TLS with synchronizing literals, so any byte can go into a mailbox name."""

    def __init__(self, port):
        self.sock = TLS.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30))
        self.buf = b""
        self.n = 0
        self.transcript = []
        self.line()

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        m = re.search(rb"\{(\d+)\}$", line)
        if m:  # a literal in a response: take it along
            want = int(m.group(1))
            while len(self.buf) < want:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError("connection closed")
                self.buf += chunk
            line += b"\r\n" + self.buf[:want]
            self.buf = self.buf[want:]
            line += self.line()
        self.transcript.append(line)
        return line

    def command(self, *parts):
        """parts: bytes sent as they are, or a list [bytes] sent as one literal. Returns
        (tagged line, untagged lines)."""
        self.n += 1
        tag = b"h%d" % self.n
        out = tag + b" "
        untagged = []
        for p in parts:
            if isinstance(p, list):
                self.sock.sendall(out + b"{%d}\r\n" % len(p[0]))
                out = b""
                while True:
                    l = self.line()
                    if l.startswith(b"+"):
                        break
                    if l.startswith(tag + b" "):
                        return l, untagged  # refused before the literal
                    untagged.append(l)
                out = p[0]
            else:
                out += p
        self.sock.sendall(out + b"\r\n")
        while True:
            l = self.line()
            if l.startswith(tag + b" "):
                return l, untagged
            untagged.append(l)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def wire_name(list_line):
    """The mailbox name of a LIST/LSUB line: atom, quoted string or literal, unescaped."""
    mm = re.match(rb'\* (?:LIST|LSUB) \([^)]*\) (?:"[^"]*"|NIL) (.*)$', list_line, re.S)
    if not mm:
        return None
    name = mm.group(1)
    if name.startswith(b'"') and name.endswith(b'"'):
        return re.sub(rb"\\(.)", rb"\1", name[1:-1])
    if name.startswith(b"{"):
        return name.split(b"\r\n", 1)[1]
    return name


def tree(root, skip=None):
    """{relative path: (kind, size, mtime_ns, sha256)} of everything under root except skip."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if skip and os.path.abspath(dirpath) == os.path.abspath(skip):
            dirnames[:] = []
            continue
        for d in dirnames:
            p = os.path.join(dirpath, d)
            if skip and os.path.abspath(p) == os.path.abspath(skip):
                continue
            out[os.path.relpath(p, root)] = ("dir", 0, 0, "")
        for f in filenames:
            p = os.path.join(dirpath, f)
            st = os.lstat(p)
            with open(p, "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
            out[os.path.relpath(p, root)] = ("file", st.st_size, st.st_mtime_ns, digest)
    return out


class Safety(unittest.TestCase):
    def start_server(self, state_dir, users):
        server = ReferenceServer(BINARY, state_dir=state_dir)
        for u in users:
            server.add_user(u, PASSWORD)
        return server.start(listeners=("imaps",))

    def login(self, server, user):
        r = Raw(server.ports["imaps"])
        tagged, _ = r.command(b'LOGIN %s "%s"' % (user.encode(), PASSWORD.encode()))
        self.assertIn(b" OK", tagged)
        return r

    # --- hostile names and other users' mailboxes -----------------------------------

    def test_hostile_names_stay_in_the_users_maildir(self):
        base = tempfile.mkdtemp(prefix="mailaccess-safety-")
        state = os.path.join(base, "state")
        os.makedirs(state)
        server = self.start_server(state, ("mallory", "victim"))
        try:
            self.run_hostile_names(server, base)
        finally:
            server.cleanup()
            shutil.rmtree(base, ignore_errors=True)
            if os.path.exists(ESCAPE):
                shutil.rmtree(ESCAPE, ignore_errors=True)

    def run_hostile_names(self, server, base):
        v = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=TLS, timeout=30)
        v.login("victim", PASSWORD)
        self.assertEqual(v.create(SECRET_FOLDER.decode())[0], "OK")
        for f in ("INBOX", SECRET_FOLDER.decode()):
            self.assertEqual(v.append(f, None, None, message(SECRET_MID.decode()))[0], "OK")
        v.logout()
        m = self.login(server, "mallory")
        self.assertIn(b" OK", m.command(b"CREATE Src")[0])
        mallory_md = server.maildir("mallory")
        before_outside = tree(base, skip=mallory_md)
        problems = []
        created = []

        def check(what, tagged):
            if not re.match(rb"h\d+ (OK|NO|BAD)( |$)", tagged):
                problems.append("%s: %r" % (what, tagged))

        for i, name in enumerate(HOSTILE):
            lit = [name]
            short = repr(name[:60])
            steps = [
                ("CREATE", (b"CREATE ", lit)),
                ("SELECT", (b"SELECT ", lit)),
                ("EXAMINE", (b"EXAMINE ", lit)),
                ("STATUS", (b"STATUS ", lit, b" (MESSAGES UIDNEXT UIDVALIDITY)")),
                ("APPEND", (b"APPEND ", lit, b" ", [message("mallory-%d@example.org" % i, i)])),
                ("SUBSCRIBE", (b"SUBSCRIBE ", lit)),
                ("LIST ref", (b"LIST ", lit, b' "*"')),
                ("LIST pattern", (b'LIST "" ', lit)),
                ("LSUB", (b'LSUB "" ', lit)),
                ("RENAME from", (b"RENAME ", lit, b" Renamed%d" % i)),
                ("RENAME back", (b"RENAME Renamed%d " % i, lit)),
                ("RENAME to", (b"RENAME Src ", lit)),
                ("RENAME restore", (b"RENAME ", lit, b" Src")),
                ("UNSUBSCRIBE", (b"UNSUBSCRIBE ", lit)),
                ("DELETE", (b"DELETE ", lit)),
                ("UNSELECT", (b"UNSELECT",)),
            ]
            for what, parts in steps:
                try:
                    tagged, untagged = m.command(*parts)
                except (EOFError, OSError) as e:
                    problems.append("%s %s: connection lost (%r); server %s" % (
                        what, short, e, "alive" if server.proc.poll() is None else "DEAD"))
                    m = self.login(server, "mallory")
                    continue
                check("%s %s" % (what, short), tagged)
                if what == "CREATE" and b" OK" in tagged:
                    created.append(name[:40])
                if what == "LIST pattern" and created and created[-1] == name[:40] \
                        and not re.search(rb"[*%]|/$|&[^-]", name):
                    # the name just created comes back, quoted so that it parses to itself
                    # (names with "&AC8-" etc. are test_non_canonical_modified_utf7_is_refused's)
                    got = [wire_name(l) for l in untagged if l.startswith(b"* LIST ")]
                    if got != [name]:
                        problems.append("LIST %s after CREATE: %r" % (short, untagged))
                if what == "SELECT" and b" OK" in tagged:
                    # whatever it opened is mallory's own, new and empty
                    if any(re.match(rb"\* [1-9]\d* EXISTS", l) for l in untagged):
                        problems.append("SELECT %s opened a mailbox with messages: %r" % (short, untagged))
                if what == "STATUS" and b" OK" in tagged:
                    if any(re.search(rb"MESSAGES [1-9]", l) for l in untagged):
                        problems.append("STATUS %s counts messages: %r" % (short, untagged))
            # nothing of the victim's leaks, nothing outside mallory's Maildir changes
            if tree(base, skip=mallory_md) != before_outside:
                problems.append("after %s: the tree outside mallory's Maildir changed" % short)
                before_outside = tree(base, skip=mallory_md)
            if os.path.exists(ESCAPE) or os.path.exists("/abs"):
                problems.append("after %s: a directory outside the state dir was created" % short)
            if server.proc.poll() is not None:
                problems.append("after %s: the server died" % short)
                break
        # (mallory may name its own folder "~victim/VictimSecretFolder": that is no leak)
        leaks = [l for l in m.transcript if SECRET_MID in l or
                 re.match(rb'\* (LIST|LSUB) \([^)]*\) "/" "?%s"?$|\* STATUS "?%s"? \('
                          % (SECRET_FOLDER, SECRET_FOLDER), l)]
        sys.stderr.write("hostile names CREATE accepted: %r\n" % created)
        # Mallory's own Maildir holds only Maildir++ entries, all real directories inside it.
        real = os.path.realpath(mallory_md)
        for dirpath, dirnames, filenames in os.walk(mallory_md):
            for n in dirnames + filenames:
                p = os.path.join(dirpath, n)
                if os.path.islink(p):
                    problems.append("symlink in mallory's Maildir: %s" % p)
                if not os.path.realpath(p).startswith(real + os.sep):
                    problems.append("outside mallory's Maildir: %s" % p)
            if os.path.abspath(dirpath) == os.path.abspath(mallory_md):
                for d in dirnames:
                    if d not in ("cur", "new", "tmp") and not d.startswith("."):
                        problems.append("unexpected directory in mallory's Maildir: %r" % d)
                    if d in (".", "..") or d.startswith("..") or "/" in d:
                        problems.append("bad folder directory: %r" % d)
        # What LIST shows is what is on disk, and none of it is the victim's.
        tagged, untagged = m.command(b'LIST "" "*"')
        check("LIST all", tagged)
        listed = []
        for l in untagged:
            mm = re.match(rb'\* LIST \(([^)]*)\) "/" (.*)$', l, re.S)
            if not mm:
                problems.append("LIST line %r" % l)
                continue
            name = wire_name(l)
            listed.append(name)
            if b"\\Noselect" in mm.group(1) or name == b"INBOX":
                continue
            on_disk = os.path.join(mallory_md, "." + name.decode().replace("/", "."))
            if not os.path.isdir(os.path.join(on_disk, "cur")):
                problems.append("LIST shows %r, not on disk as %s" % (name, on_disk))
        sys.stderr.write("mallory's folders after the hostile names: %r\n" % listed)
        m.command(b"LOGOUT")
        m.close()
        self.assertIsNone(server.proc.poll(), "the server died")
        if leaks:
            problems.append("victim data in mallory's session: %r" % leaks[:5])
        if problems:
            self.fail("%d problems:\n  %s" % (len(problems), "\n  ".join(problems[:60])))

    def test_non_canonical_modified_utf7_is_refused(self):
        """RFC 3501 5.1.3: modified BASE64 MUST NOT encode a printable US-ASCII character, and
        "&AC8-" would smuggle the hierarchy separator into a name: such wire names are not
        valid mailbox names (Dovecot 2.3 answers NO "Mailbox name is not valid mUTF-7"), else
        one folder has many wire names and "a&AC8-b" silently creates the hierarchy a/b."""
        base = tempfile.mkdtemp(prefix="mailaccess-mutf7-")
        server = self.start_server(base, ("mallory",))
        try:
            m = self.login(server, "mallory")
            accepted = []
            for name in (b"a&AC8-b", b"&AGE-bc", b"&AEkATgBCAE8AWA-", b"&AMk-&AOk-", b"x&AC4-y"):
                tagged, _ = m.command(b"CREATE ", [name])
                if re.match(rb"h\d+ OK", tagged):
                    accepted.append("CREATE %r -> %r" % (name, tagged))
            tagged, untagged = m.command(b"SELECT &AEkATgBCAE8AWA-")  # "INBOX", base64-encoded
            if re.match(rb"h\d+ OK", tagged):
                accepted.append("SELECT &AEkATgBCAE8AWA- opened INBOX: %r" % tagged)
            tagged, untagged = m.command(b'LIST "" "*"')
            m.close()
            self.assertFalse(accepted, "non-canonical modified UTF-7 accepted:\n  %s\nLIST now: %r"
                             % ("\n  ".join(accepted), untagged))
        finally:
            server.cleanup()
            shutil.rmtree(base, ignore_errors=True)

    def test_users_cannot_reach_each_other(self):
        base = tempfile.mkdtemp(prefix="mailaccess-users-")
        server = self.start_server(base, ("mallory", "victim"))
        try:
            v = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=TLS, timeout=30)
            v.login("victim", PASSWORD)
            self.assertEqual(v.create(SECRET_FOLDER.decode())[0], "OK")
            self.assertEqual(v.append("INBOX", None, None, message(SECRET_MID.decode()))[0], "OK")
            self.assertEqual(v.subscribe(SECRET_FOLDER.decode())[0], "OK")
            v.logout()
            victim_before = tree(server.maildir("victim"))

            # Logging in as someone else (in parallel: each refusal waits out the failed-login delay).
            attempts = [(b"LOGIN ", [u], b" ", [PASSWORD.encode()]) for u in (
                b"victim/../mallory", b"../victim", b"mallory/../victim", b"victim\x00mallory", b"VICTIM",
                b"victim ", b"*", b"mallory\x00")]
            attempts.append((b"AUTHENTICATE PLAIN " + base64.b64encode(b"victim\x00mallory\x00" + PASSWORD.encode()),))
            answers = {}

            def attempt(parts):
                r = Raw(server.ports["imaps"])
                answers[repr(parts)] = r.command(*parts)[0]
                r.close()

            threads = [threading.Thread(target=attempt, args=(parts,)) for parts in attempts]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            self.assertEqual(len(answers), len(attempts))
            for parts, tagged in answers.items():
                self.assertFalse(re.match(rb"h\d+ OK", tagged), "%s: %r" % (parts, tagged))

            m = self.login(server, "mallory")
            names = [b"victim", b"victim/INBOX", b"victim/" + SECRET_FOLDER, b"../victim/Maildir",
                     b"~victim", b"~victim/INBOX", b"#users/victim", b"Other Users/victim/INBOX",
                     b"/victim/INBOX", SECRET_FOLDER, b"../victim/Maildir/." + SECRET_FOLDER]
            for name in names:
                for parts in ((b"SELECT ", [name]), (b"EXAMINE ", [name]), (b"STATUS ", [name], b" (MESSAGES)"),
                              (b"APPEND ", [name], b" ", [message("mallory@example.org")]),
                              (b"LIST ", [name], b' "*"'), (b'LIST "" ', [name + b"*"]),
                              (b"UNSELECT",)):
                    m.command(*parts)
            for ref, pattern in ((b'""', b'"*"'), (b'""', b'"%"'), (b'"../"', b'"*"'), (b'"/"', b'"*"'),
                                 (b'"~victim/"', b'"*"'), (b'"#users/"', b'"*"'), (b'""', b'"../*"'),
                                 (b'""', b'"/*"'), (b'"../victim/"', b'"*"')):
                m.command(b"LIST " + ref + b" " + pattern)
                m.command(b"LSUB " + ref + b" " + pattern)
            leaks = [l for l in m.transcript if (SECRET_MID in l or SECRET_FOLDER in l)
                     and not re.match(rb"h\d+ ", l)]  # a tagged NO may echo the name
            self.assertFalse(leaks, "mallory saw the victim's data: %r" % leaks[:5])
            self.assertEqual(tree(server.maildir("victim")), victim_before, "the victim's Maildir changed")
            # Whatever mallory created with those names is mallory's: the victim's folders are intact.
            v = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=TLS, timeout=30)
            v.login("victim", PASSWORD)
            dat = v.status(SECRET_FOLDER.decode(), "(MESSAGES)")[1][0]
            self.assertIn(b"MESSAGES 0", dat)
            dat = v.status("INBOX", "(MESSAGES)")[1][0]
            self.assertIn(b"MESSAGES 1", dat)
            v.logout()
            m.close()
        finally:
            server.cleanup()
            shutil.rmtree(base, ignore_errors=True)

    # --- kill -9 -----------------------------------------------------------------------

    def test_kill9_during_append_copy_expunge(self):
        rng = random.Random(1730)
        state = tempfile.mkdtemp(prefix="mailaccess-imap-crash-")
        server = self.start_server(state, ("crash",))
        c = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=TLS, timeout=30)
        c.login("crash", PASSWORD)
        self.assertEqual(c.create("Copies")[0], "OK")
        validity = {f: int(re.search(rb"UIDVALIDITY (\d+)", c.status(f, "(UIDVALIDITY)")[1][0]).group(1))
                    for f in ("INBOX", "Copies")}
        c.logout()
        appended = {}       # INBOX uid -> Message-ID, acknowledged by APPENDUID
        copied = {}         # Copies uid -> Message-ID, acknowledged by COPYUID
        expunged = set()    # INBOX uids whose UID EXPUNGE was acknowledged
        expunge_sent = set()  # INBOX uids a UID EXPUNGE was sent for (acknowledged or not)
        ever = {}           # (folder, uid) -> Message-ID, everything ever seen
        lock = threading.Lock()
        counter = [0]
        stats = {"rounds": 0, "acked appends": 0, "acked copies": 0, "acked expunges": 0}
        problems = []
        try:
            for round_no in range(5):
                stop = threading.Event()

                def worker(seed):
                    wrng = random.Random(seed)
                    w = None
                    try:
                        w = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=TLS, timeout=10)
                        w.login("crash", PASSWORD)
                        w.select("INBOX")
                        while not stop.is_set():
                            with lock:
                                live = sorted(set(appended) - expunged)
                            op = wrng.choices(("append", "copy", "expunge"), (50, 25, 25))[0]
                            if op == "append" or not live:
                                with lock:
                                    counter[0] += 1
                                    mid = "crash-%d@example.org" % counter[0]
                                typ, dat = w.append("INBOX", r"(\Flagged)" if wrng.random() < 0.3 else None,
                                                    None, message(mid, counter[0]))
                                mm = re.search(rb"\[APPENDUID (\d+) (\d+)\]", dat[0] or b"")
                                if typ == "OK" and mm:
                                    with lock:
                                        if int(mm.group(1)) != validity["INBOX"]:
                                            problems.append("APPENDUID UIDVALIDITY %s" % mm.group(1))
                                        uid = int(mm.group(2))
                                        if ever.setdefault(("INBOX", uid), mid) != mid:
                                            problems.append("APPENDUID %d reused for %s (was %s)"
                                                            % (uid, mid, ever[("INBOX", uid)]))
                                        appended[uid] = mid
                                        stats["acked appends"] += 1
                                continue
                            uid = wrng.choice(live[-30:])
                            if op == "copy":
                                w.untagged_responses.pop("COPYUID", None)
                                typ, dat = w._simple_command("UID", "COPY", str(uid), "Copies")
                                cu = (w.untagged_responses.pop("COPYUID", None) or [b""])[-1] or b""
                                mm = re.match(rb"(\d+) (\d+) (\d+)$", cu)
                                if typ == "OK" and mm:
                                    with lock:
                                        dst, mid = int(mm.group(3)), appended[uid]
                                        if ever.setdefault(("Copies", dst), mid) != mid:
                                            problems.append("COPYUID %d reused" % dst)
                                        copied[dst] = mid
                                        stats["acked copies"] += 1
                            else:
                                w.untagged_responses.pop("FETCH", None)
                                typ, dat = w._simple_command("UID", "STORE", str(uid), "+FLAGS", r"(\Deleted)")
                                seen = any(re.search(rb"UID %d\b" % uid, d) for d in
                                           w.untagged_responses.pop("FETCH", []) if d)
                                if typ == "OK" and seen:
                                    with lock:  # its outcome is unknown if the kill comes first
                                        expunge_sent.add(uid)
                                    typ, dat = w._simple_command("UID", "EXPUNGE", str(uid))
                                    if typ == "OK":
                                        with lock:
                                            expunged.add(uid)
                                            stats["acked expunges"] += 1
                            for key in ("FETCH", "EXPUNGE", "EXISTS", "RECENT"):
                                w.untagged_responses.pop(key, None)
                    except (imaplib.IMAP4.error, imaplib.IMAP4.abort, OSError, EOFError):
                        pass  # the server was killed under us
                    finally:
                        if w is not None:
                            w.shutdown()

                threads = [threading.Thread(target=worker, args=(round_no * 10 + k,)) for k in range(2)]
                for t in threads:
                    t.start()
                time.sleep(rng.uniform(0.7, 1.6))
                server.kill9()
                stop.set()
                for t in threads:
                    t.join(30)
                server.proc.stdout.close()
                server = ReferenceServer(BINARY, state_dir=state).start(listeners=("imaps",))
                stats["rounds"] += 1
                self.verify_after_crash(server, validity, appended, copied, expunged, expunge_sent, ever,
                                        problems, round_no)
                if problems:
                    break
            sys.stderr.write("kill -9: %r\n" % stats)
            self.assertFalse(problems, "\n".join(problems[:40]))
            self.assertGreater(stats["acked expunges"], 0, "the test expunged nothing; it proved nothing")
            self.assertGreater(stats["acked copies"], 0, "the test copied nothing; it proved nothing")
        finally:
            server.cleanup()
            shutil.rmtree(state, ignore_errors=True)

    def verify_after_crash(self, server, validity, appended, copied, expunged, expunge_sent, ever,
                           problems, round_no):
        c = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=TLS, timeout=30)
        c.login("crash", PASSWORD)
        where = "round %d" % round_no
        for folder, acked, gone, maybe_gone in (("INBOX", appended, expunged, expunge_sent),
                                                ("Copies", copied, set(), set())):
            typ, dat = c.select(folder)
            self.assertEqual(typ, "OK", dat)
            v = int(c.response("UIDVALIDITY")[1][0])
            uidnext = int(c.response("UIDNEXT")[1][0])
            if v != validity[folder]:
                problems.append("%s: %s UIDVALIDITY %d, was %d" % (where, folder, v, validity[folder]))
            present = {}
            if int(dat[0]) > 0:
                typ, dat = c.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                for d in dat:
                    if isinstance(d, tuple):
                        uid = int(re.search(rb"UID (\d+)", d[0]).group(1))
                        present[uid] = re.search(rb"<([^>]*)>", d[1]).group(1).decode()
            for uid, mid in present.items():
                if ever.setdefault((folder, uid), mid) != mid:
                    problems.append("%s: %s UID %d is %s, was %s (UID reused or renumbered)"
                                    % (where, folder, uid, mid, ever[(folder, uid)]))
                if uid >= uidnext:
                    problems.append("%s: %s UID %d not below UIDNEXT %d" % (where, folder, uid, uidnext))
            seen_uids = [u for (f, u) in ever if f == folder]
            if seen_uids and uidnext <= max(seen_uids):
                problems.append("%s: %s UIDNEXT %d but UID %d was handed out (would be reused)"
                                % (where, folder, uidnext, max(seen_uids)))
            for uid, mid in acked.items():
                if uid in gone:
                    if uid in present:
                        problems.append("%s: %s UID %d: acknowledged UID EXPUNGE undone" % (where, folder, uid))
                elif uid in maybe_gone and uid not in present:
                    pass  # its UID EXPUNGE was on the way when the server was killed
                elif present.get(uid) != mid:
                    problems.append("%s: %s UID %d (%s) acknowledged but %s" % (
                        where, folder, uid, mid, "missing" if uid not in present else "is " + present[uid]))
            if folder == "INBOX":
                mids = list(present.values())
                dups = {x for x in mids if mids.count(x) > 1}
                if dups:
                    problems.append("%s: INBOX holds one message under two UIDs: %s" % (where, sorted(dups)[:5]))
        c.logout()


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
