"""Our IMAP server and the reference Dovecot (../shared/tools/dovecot-ref, Debian's 2.3) agree on
one Maildir++ tree (<root>/<user>/Maildir, both with "/" as the IMAP separator and ".A.B" on disk):
(a) what Dovecot wrote over IMAP (nested and non-ASCII folders, messages with system flags and
    keywords, an expunge gap, subscriptions) opens in our server with every folder, message,
    flag and keyword, the same UIDs and UIDVALIDITY, RFC822.SIZE, INTERNALDATE and bytes;
    a flag our server changes is then seen by Dovecot on the same UID;
(b) what our server wrote (folders, messages, flags, keywords, subscriptions) opens in Dovecot.
Loopback only; uses Dovecot's fixed ports 14143/14110 (hence RUN_SERIAL in CMake).
Usage: imap_dovecot_maildir_test.py SERVER_BINARY DOVECOT_REF_DIR_SCRIPTS"""
import hashlib
import imaplib
import re
import shutil
import ssl
import sys
import tempfile
import unittest

from server_fixture import DovecotRef, ReferenceServer

BINARY = None
SCRIPTS = None
TLS = ssl._create_unverified_context()
ETE = "&AMk-t&AOk-"  # "Été" in RFC 3501 modified UTF-7


def message(mid, subject, lines=3):
    body = "".join("line %d of %s\r\n" % (i, mid) for i in range(lines))
    return ("From: sender@example.org\r\nTo: rcpt@example.org\r\nSubject: %s\r\nMessage-ID: <%s>\r\n"
            "Date: Tue, 5 Mar 2024 10:00:00 +0100\r\n\r\n%s" % (subject, mid, body)).encode()


LIST_PATTERNS = ('"%s"' % ETE, '"&AMk-*"', '"Projects/%"', '"*2024"', '"%"', '"Projects"', '"inbox"')


def names_of(list_reply):
    out = []
    for line in list_reply:
        if line is None:  # imaplib: no LIST lines at all
            continue
        m = re.match(rb'\(([^)]*)\) "/" (.*)$', line)
        assert m, line
        out.append(m.group(2).strip(b'"').decode())
    return sorted(out)


def snapshot(c, folders):
    """{folder: (UIDVALIDITY, UIDNEXT, {uid: (message-id, flags, size, internaldate, sha256)})}."""
    out = {}
    for f in folders:
        typ, dat = c.select(f, readonly=True)
        assert typ == "OK", (f, dat)
        validity = int(c.response("UIDVALIDITY")[1][0])
        uidnext = int(c.response("UIDNEXT")[1][0])
        msgs = {}
        if int(dat[0]) > 0:
            typ, dat = c.uid("FETCH", "1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[])")
            assert typ == "OK", dat
            for item in dat:
                if not isinstance(item, tuple):
                    continue
                uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                flags = frozenset(x.decode() for x in imaplib.ParseFlags(item[0])) - {"\\Recent"}
                size = int(re.search(rb"RFC822.SIZE (\d+)", item[0]).group(1))
                date = re.search(rb'INTERNALDATE "([^"]*)"', item[0]).group(1).decode()
                mid = re.search(rb"Message-ID: <([^>]*)>", item[1]).group(1).decode()
                msgs[uid] = (mid, flags, size, date, hashlib.sha256(item[1]).hexdigest())
        out[f] = (validity, uidnext, msgs)
    c.close()
    return out


def by_message_id(snap):
    """The same view keyed by Message-ID: UIDs differ when the other side numbered afresh."""
    return {f: {m[0]: m[1:] for m in msgs.values()} for f, (_, _, msgs) in snap.items()}


class DovecotMaildirImap(unittest.TestCase):
    def setUp(self):
        self.dovecot = DovecotRef(SCRIPTS)
        self.state = tempfile.mkdtemp(prefix="mailaccess-dovecot-ours-")
        self.ours = None

    def tearDown(self):
        if self.ours:
            self.ours.cleanup()
        self.dovecot.cleanup()
        shutil.rmtree(self.state, ignore_errors=True)

    def start_ours(self):
        self.ours = ReferenceServer(BINARY, ["--maildir-root", self.dovecot.mail_root(),
                                             "--users", self.dovecot.users_file()], state_dir=self.state)
        self.ours.start(listeners=("imaps",))

    def stop_ours(self):
        self.ours.stop()
        self.ours = None

    def connect_ours(self, user):
        c = imaplib.IMAP4_SSL("127.0.0.1", self.ours.ports["imaps"], ssl_context=TLS, timeout=30)
        c.login(user, "pass")
        return c

    def connect_dovecot(self, user):
        c = imaplib.IMAP4("127.0.0.1", DovecotRef.IMAP_PORT, timeout=30)
        c.login(user, "pass")
        return c

    def populate(self, c, tag):
        """The same account shape on either server; returns the folders."""
        folders = ["INBOX", "Projects", "Projects/2024", ETE, "Empty"]
        for f in folders[1:]:
            self.assertEqual(c.create(f)[0], "OK", f)
        flags = [r"(\Seen)", r"(\Seen \Answered $Important)", None, r"(\Flagged NonJunk $Label1)",
                 r"(\Draft)", r"(\Seen \Flagged Custom_Word)"]
        for fi, f in enumerate(folders[:4]):
            for i, fl in enumerate(flags):
                typ, dat = c.append(f, fl, None, message("%s-%d-%d@example.org" % (tag, fi, i),
                                                         "%s %s %d" % (tag, f, i), lines=i + 1))
                self.assertEqual(typ, "OK", dat)
        c.select("INBOX")
        self.assertEqual(c.store("3", "+FLAGS", r"($Forwarded Another)")[0], "OK")
        self.assertEqual(c.store("2", "-FLAGS", r"($Important)")[0], "OK")
        self.assertEqual(c.store("2,6", "+FLAGS", r"(\Deleted)")[0], "OK")  # a gap and the top UID
        self.assertEqual(c.expunge()[0], "OK")
        c.select("Projects/2024")
        self.assertEqual(c.store("1", "+FLAGS", r"(\Deleted)")[0], "OK")
        self.assertEqual(c.expunge()[0], "OK")
        c.close()
        for f in ("INBOX", "Projects/2024", ETE):
            self.assertEqual(c.subscribe(f)[0], "OK")
        return folders

    def compare(self, want, got, same_uids, who):
        problems = []
        for f in sorted(want):
            w_validity, w_next, w_msgs = want[f]
            g_validity, g_next, g_msgs = got[f]
            if same_uids:
                if w_msgs and g_validity != w_validity:
                    problems.append("%s: UIDVALIDITY %d, was %d" % (f, g_validity, w_validity))
                if g_next < w_next:
                    problems.append("%s: UIDNEXT %d below %d (UIDs would be reused)" % (f, g_next, w_next))
                for uid in sorted(set(w_msgs) | set(g_msgs)):
                    if w_msgs.get(uid) != g_msgs.get(uid):
                        problems.append("%s UID %d: %r, was %r" % (f, uid, g_msgs.get(uid), w_msgs.get(uid)))
            else:
                wm, gm = by_message_id({f: want[f]})[f], by_message_id({f: got[f]})[f]
                for mid in sorted(set(wm) | set(gm)):
                    if wm.get(mid) != gm.get(mid):
                        problems.append("%s %s: %r, was %r" % (f, mid, gm.get(mid), wm.get(mid)))
        if problems:
            self.fail("%s disagrees:\n  %s" % (who, "\n  ".join(problems)))

    def test_a_dovecot_maildir_opens_in_ours(self):
        user = "conform"
        self.dovecot.start()
        c = self.connect_dovecot(user)
        folders = self.populate(c, "dc")
        want_list = names_of(c.list()[1])
        want_lsub = names_of(c.lsub()[1])
        want_patterns = {p: names_of(c.list('""', p)[1]) for p in LIST_PATTERNS}
        want = snapshot(c, folders)
        c.logout()
        self.dovecot.stop()
        empty_validity = want["Empty"][0]

        self.start_ours()
        c = self.connect_ours(user)
        self.assertEqual(names_of(c.list()[1]), want_list)
        # LIST patterns are modified UTF-7 on the wire like the names (RFC 3501 5.1.3).
        for pattern, want_names in want_patterns.items():
            with self.subTest("LIST pattern", pattern=pattern):
                self.assertEqual(names_of(c.list('""', pattern)[1]), want_names)
        got = snapshot(c, folders)
        if got["Empty"][0] != empty_validity:
            # Dovecot keeps an empty folder's UIDVALIDITY only in its binary index (there is no
            # dovecot-uidlist yet), so a new one is the best a reader of the Maildir can do.
            sys.stderr.write("note: empty folder UIDVALIDITY %d -> %d\n" % (empty_validity, got["Empty"][0]))
            got["Empty"] = (empty_validity,) + got["Empty"][1:]
        self.compare(want, got, True, "our server on Dovecot's Maildir")
        got_lsub = names_of(c.lsub()[1])
        with self.subTest("LSUB of Dovecot's subscriptions file"):
            self.assertEqual(got_lsub, want_lsub)

        # A change made through our server is seen by Dovecot on the same UID.
        c.select("Projects")
        self.assertEqual(c.uid("STORE", "2", "+FLAGS", r"(\Flagged OursToo)")[0], "OK")
        c.logout()
        self.stop_ours()
        self.dovecot.give_to_vmail()
        self.dovecot.start()
        c = self.connect_dovecot(user)
        again = snapshot(c, folders)
        c.logout()
        mid, flags, *rest = want["Projects"][2][2]
        want["Projects"][2][2] = (mid, flags | {"\\Flagged", "OursToo"}, *rest)
        self.compare(want, again, True, "Dovecot after our server")

    def test_b_our_maildir_opens_in_dovecot(self):
        user = "conform2"
        with open(self.dovecot.users_file(), "w") as fh:  # start.sh keeps an existing one
            fh.write("%s:{PLAIN}pass::::::\n" % user)
        self.start_ours()
        c = self.connect_ours(user)
        folders = self.populate(c, "ours")
        want_list = names_of(c.list()[1])
        want_lsub = names_of(c.lsub()[1])
        want = snapshot(c, folders)
        c.logout()
        self.stop_ours()

        self.dovecot.give_to_vmail()
        self.dovecot.start()
        c = self.connect_dovecot(user)
        got_list = names_of(c.list()[1])
        for name in want_list:  # Dovecot may add its own special-use folders
            self.assertIn(name, got_list)
        got = snapshot(c, folders)
        self.compare(want, got, False, "Dovecot on our server's Maildir")
        with self.subTest("Dovecot's LSUB of our subscriptions file"):
            self.assertEqual(names_of(c.lsub()[1]), want_lsub)
        # UIDs: Dovecot reads dovecot-uidlist, our server keeps its own mailaccess-uidlist.
        same = all(set(got[f][2]) == set(want[f][2]) and got[f][0] == want[f][0] for f in folders)
        sys.stderr.write("note: Dovecot %s our UIDs/UIDVALIDITY\n" % ("kept" if same else "renumbered"))
        c.logout()


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    SCRIPTS = sys.argv.pop(1)
    unittest.main(verbosity=2)
