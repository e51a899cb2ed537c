"""Interop: real IMAP clients from Debian against the reference server on loopback.
- curl: imap:// with STARTTLS (--ssl-reqd) and imaps:// (-k): LIST, SELECT (mailbox URL),
  EXAMINE and UID SEARCH (-X), STATUS, FETCH by UID (whole message and a section), UIDVALIDITY
  checked in the URL, APPEND by upload (-T) into INBOX and a nested folder; no login in clear.
- mbsync (isync): a multi-folder account (INBOX, Lists, Lists/Debian, and the non-ASCII "Été")
  to a local Maildir: full sync, then changes on both sides (server: flag, delete, new message
  via imaplib; local: new message, flags), resync, both sides agree (Message-ID -> flags);
  a third run changes nothing.
- offlineimap3: the same account shape: full sync, changes on both sides, resync, agreement.
- mutt: headless, with no human input, on a pseudo terminal the test opens (with stdin not a
  terminal mutt switches to batch sending, "No recipients specified.", exit 1, so a mailbox can
  only be read with a terminal): one `-e 'push ...'` of key functions tags every message, saves
  them to another folder, syncs (expunge) and quits; imaplib checks the result.
Usage: imap_clients_test.py SERVER_BINARY"""
import hashlib
import imaplib
import os
import pty
import re
import select
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

from server_fixture import ReferenceServer

BINARY = None
TLS = ssl._create_unverified_context()  # self-signed test certificate
PASSWORD = "s3cret pass"
USERS = ("curly", "syncer", "offline", "mutty")
FOLDERS = ("INBOX", "Lists", "Lists/Debian", "&AMk-t&AOk-")  # the last is "Été" (RFC 3501 mUTF-7)
MAILDIR_FLAGS = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen", "T": "\\Deleted"}
STANDARD = set(MAILDIR_FLAGS.values())


def message(mid, subject, body="hello"):
    return ("From: sender@example.org\r\nTo: rcpt@example.org\r\nSubject: %s\r\n"
            "Message-ID: <%s>\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\n%s\r\n"
            % (subject, mid, body)).encode()


def message_id(raw):
    m = re.search(rb"^Message-ID:\s*<([^>]*)>", raw, re.I | re.M)
    return m.group(1).decode() if m else None


def server_state(port, user, folders=FOLDERS):
    """{folder: {message-id: set of standard flags}} as the server shows it."""
    c = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=TLS, timeout=30)
    c.login(user, PASSWORD)
    out = {}
    for f in folders:
        typ, dat = c.select(f, readonly=True)
        assert typ == "OK", (f, dat)
        out[f] = {}
        if int(dat[0]) == 0:
            continue
        typ, dat = c.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        assert typ == "OK", dat
        for item in dat:
            if not isinstance(item, tuple):
                continue
            flags = set(f.decode() for f in imaplib.ParseFlags(item[0])) & STANDARD
            mid = message_id(item[1])
            assert mid not in out[f], "Message-ID %s twice in %s" % (mid, f)
            out[f][mid] = flags
    c.logout()
    return out


def maildir_state(dirs):
    """{folder: {message-id: set of standard flags}} from local Maildirs ({folder: path})."""
    out = {}
    for folder, path in dirs.items():
        out[folder] = {}
        for sub in ("new", "cur"):
            for name in os.listdir(os.path.join(path, sub)):
                with open(os.path.join(path, sub, name), "rb") as fh:
                    mid = message_id(fh.read())
                letters = name.split(":2,", 1)[1] if ":2," in name else ""
                flags = {MAILDIR_FLAGS[l] for l in letters if l in MAILDIR_FLAGS}
                assert mid not in out[folder], "Message-ID %s twice in local %s" % (mid, folder)
                out[folder][mid] = flags
    return out


def set_local_flag(path, mid, letter):
    """Adds a Maildir flag letter to the local message with this Message-ID (renaming into cur/)."""
    for sub in ("new", "cur"):
        for name in os.listdir(os.path.join(path, sub)):
            with open(os.path.join(path, sub, name), "rb") as fh:
                if message_id(fh.read()) != mid:
                    continue
            base, _, letters = name.partition(":2,")
            letters = "".join(sorted(set(letters + letter)))
            os.rename(os.path.join(path, sub, name), os.path.join(path, "cur", base + ":2," + letters))
            return
    raise AssertionError("no local message %s in %s" % (mid, path))


def drop_local(path, raw, name):
    with open(os.path.join(path, "tmp", name), "wb") as fh:
        fh.write(raw)
    os.rename(os.path.join(path, "tmp", name), os.path.join(path, "new", name))


class ImapClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ReferenceServer(BINARY)
        for u in USERS:
            cls.server.add_user(u, PASSWORD)  # before start: read at once
        cls.server.start(listeners=("imap", "imaps"))
        cls.work = tempfile.mkdtemp(prefix="mailaccess-imap-clients-")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.work, ignore_errors=True)

    def tearDown(self):
        self.assertIsNone(self.server.proc.poll(), "the server exited")

    def imap(self, user):
        c = imaplib.IMAP4_SSL("127.0.0.1", self.server.ports["imaps"], ssl_context=TLS, timeout=30)
        c.login(user, PASSWORD)
        return c

    def populate(self, user):
        """INBOX and three folders (one nested, one non-ASCII), three messages each with flags."""
        c = self.imap(user)
        for f in FOLDERS[1:]:
            self.assertEqual(c.create(f)[0], "OK", f)
        flags = (r"(\Seen)", None, r"(\Flagged \Answered)")
        for fi, f in enumerate(FOLDERS):
            for i in range(3):
                typ, dat = c.append(f, flags[i], None, message("%s-%d-%d@example.org" % (user, fi, i),
                                                               "%s %d" % (f, i)))
                self.assertEqual(typ, "OK", dat)
        c.logout()

    # --- curl ------------------------------------------------------------------------

    def curl(self, url, *extra, ok=True):
        r = subprocess.run(["curl", "-sS", "-k", "--max-time", "20", "--user", "curly:" + PASSWORD,
                            *extra, url], capture_output=True, timeout=60)
        if ok:
            self.assertEqual(r.returncode, 0, "curl %s %s: %s" % (url, extra, r.stderr.decode()))
        return r

    def test_curl(self):
        base_s = "imaps://127.0.0.1:%d/" % self.server.ports["imaps"]
        base_t = "imap://127.0.0.1:%d/" % self.server.ports["imap"]
        c = self.imap("curly")
        self.assertEqual(c.create("Lists/Debian")[0], "OK")
        c.logout()
        path = os.path.join(self.work, "upload.eml")
        for base, extra in ((base_s, ()), (base_t, ("--ssl-reqd",))):
            with self.subTest(transport=base.split(":")[0]):
                raw = message("curl-%s@example.org" % base.split(":")[0], "uploaded by curl",
                              "line one\r\nline two")
                with open(path, "wb") as fh:
                    fh.write(raw)
                # LIST of the whole account
                out = self.curl(base, *extra).stdout.decode()
                self.assertRegex(out, r'(?m)^\* LIST \([^)]*\) "/" "?INBOX"?\r?$')
                self.assertRegex(out, r'(?m)^\* LIST \([^)]*\) "/" "?Lists/Debian"?\r?$')
                # APPEND by upload into INBOX and into the nested folder
                self.curl(base + "INBOX", "-T", path, *extra)
                self.curl(base + "Lists/Debian", "-T", path, *extra)
                # SELECT through a mailbox URL, then UID SEARCH
                out = self.curl(base + "INBOX", "-X", "UID SEARCH ALL", *extra).stdout.decode()
                uids = [int(u) for u in re.search(r"\* SEARCH([\d ]*)", out).group(1).split()]
                self.assertTrue(uids, out)
                # EXAMINE as a custom command
                out = self.curl(base, "-X", "EXAMINE INBOX", *extra).stdout.decode()
                self.assertRegex(out, r"\* %d EXISTS" % len(uids))
                validity = int(re.search(r"\[UIDVALIDITY (\d+)\]", out).group(1))
                self.assertRegex(out, r"\[UIDNEXT %d\]" % (max(uids) + 1))
                # STATUS of the nested folder
                out = self.curl(base, "-X", 'STATUS "Lists/Debian" (MESSAGES UIDNEXT)', *extra).stdout.decode()
                self.assertRegex(out, r"\* STATUS \"?Lists/Debian\"? \(MESSAGES %d UIDNEXT %d\)"
                                 % (len(uids), len(uids) + 1))
                # FETCH by UID: the whole message, byte for byte, and one header field
                got = self.curl(base + "INBOX;UID=%d" % max(uids), *extra).stdout
                self.assertEqual(got, raw)
                got = self.curl(base + "INBOX;UID=%d/;SECTION=HEADER.FIELDS%%20(SUBJECT)" % max(uids),
                                *extra).stdout
                self.assertEqual(got.strip(), b"Subject: uploaded by curl")
                got = self.curl(base + "Lists/Debian;UIDVALIDITY=%d/;UID=%d"
                                % (self.uidvalidity("curly", "Lists/Debian"), max(uids)), *extra).stdout
                self.assertEqual(got, raw)
                # curl compares a URL's UIDVALIDITY with SELECT's: a stale one is refused
                r = self.curl(base + "INBOX;UIDVALIDITY=%d/;UID=1" % (validity ^ 1), *extra, ok=False)
                self.assertNotEqual(r.returncode, 0)
                r = self.curl(base + "INBOX;UID=999999", *extra, ok=False)
                self.assertNotEqual(r.returncode, 0)  # no such message: no body
                # SEARCH through the URL query
                out = self.curl(base + "INBOX?SUBJECT%20%22uploaded%20by%20curl%22", *extra).stdout.decode()
                self.assertEqual(sorted(int(u) for u in re.search(r"\* SEARCH([\d ]*)", out).group(1).split()),
                                 list(range(1, len(uids) + 1)))
        # Without TLS curl does not offer the password and the server does not take it.
        r = self.curl(base_t, ok=False)
        self.assertNotEqual(r.returncode, 0)
        # Both uploads through both transports arrived once each.
        self.assertEqual(len(self.server_messages("curly", "INBOX")), 2)
        self.assertEqual(len(self.server_messages("curly", "Lists/Debian")), 2)

    def uidvalidity(self, user, folder):
        c = self.imap(user)
        dat = c.status('"%s"' % folder, "(UIDVALIDITY)")[1][0]
        c.logout()
        return int(re.search(rb"UIDVALIDITY (\d+)", dat).group(1))

    def server_messages(self, user, folder):
        return server_state(self.server.ports["imaps"], user, (folder,))[folder]

    # --- mbsync --------------------------------------------------------------------

    def mbsync(self, conf):
        r = subprocess.run(["mbsync", "-c", conf, "-a"], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, "mbsync failed:\n" + r.stdout + r.stderr)
        return r

    def test_mbsync_full_sync_and_resync(self):
        user = "syncer"
        self.populate(user)
        local = os.path.join(self.work, "mbsync")
        os.makedirs(local)
        conf = os.path.join(self.work, "mbsyncrc")
        with open(conf, "w") as fh:
            fh.write("IMAPAccount ours\nHost 127.0.0.1\nPort %d\nUser %s\nPass \"%s\"\nSSLType IMAPS\n"
                     "CertificateFile %s\n\nIMAPStore remote\nAccount ours\n\n"
                     "MaildirStore local\nPath %s/\nInbox %s/INBOX\nSubFolders Verbatim\n\n"
                     "Channel all\nFar :remote:\nNear :local:\nPatterns *\nCreate Both\nRemove None\n"
                     "Expunge Both\nSyncState *\n"
                     % (self.server.ports["imaps"], user, PASSWORD, self.server.cert_file(), local, local))
        dirs = {f: os.path.join(local, f) for f in FOLDERS}  # Verbatim: Lists/Debian is nested
        self.mbsync(conf)
        want = server_state(self.server.ports["imaps"], user)
        self.assertEqual(sum(len(v) for v in want.values()), 12)
        self.assertEqual(maildir_state(dirs), want)

        # Changes on the server (another client): a flag, a deletion, a new message.
        c = self.imap(user)
        c.select("INBOX")
        self.assertEqual(c.store("2", "+FLAGS", r"(\Flagged)")[0], "OK")
        c.select("Lists/Debian")
        self.assertEqual(c.store("1", "+FLAGS", r"(\Deleted)")[0], "OK")
        self.assertEqual(c.expunge()[0], "OK")
        self.assertEqual(c.append("&AMk-t&AOk-", None, None, message("server-new@example.org", "server side"))[0], "OK")
        c.logout()
        # Changes on the local side: a new message, a flag set, a flag taken away.
        drop_local(dirs["Lists"], message("local-new@example.org", "local side"), "%d.local1.host" % time.time())
        set_local_flag(dirs["&AMk-t&AOk-"], "%s-3-1@example.org" % user, "S")
        set_local_flag(dirs["Lists/Debian"], "%s-2-2@example.org" % user, "D")

        self.mbsync(conf)
        got_server = server_state(self.server.ports["imaps"], user)
        got_local = maildir_state(dirs)
        self.assertEqual(got_local, got_server)
        self.assertEqual(got_server["INBOX"]["%s-0-1@example.org" % user], {"\\Flagged"})
        self.assertNotIn("%s-2-0@example.org" % user, got_server["Lists/Debian"])
        self.assertIn("server-new@example.org", got_local["&AMk-t&AOk-"])
        self.assertEqual(got_server["Lists"].get("local-new@example.org"), set())
        self.assertEqual(got_server["&AMk-t&AOk-"]["%s-3-1@example.org" % user], {"\\Seen"})
        self.assertEqual(got_server["Lists/Debian"]["%s-2-2@example.org" % user],
                         {"\\Flagged", "\\Answered", "\\Draft"})
        # A third run finds nothing to do and changes nothing.
        self.mbsync(conf)
        self.assertEqual(server_state(self.server.ports["imaps"], user), got_server)
        self.assertEqual(maildir_state(dirs), got_server)

    # --- offlineimap -----------------------------------------------------------------

    def offlineimap(self, conf):
        r = subprocess.run(["offlineimap", "-c", conf, "-o", "-u", "basic"], capture_output=True,
                           text=True, timeout=120)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, "offlineimap failed:\n" + out)
        self.assertNotIn("ERROR", out, out)
        return out

    def test_offlineimap_sync_and_resync(self):
        user = "offline"
        self.populate(user)
        with open(self.server.cert_file(), "rb") as fh:
            der = ssl.PEM_cert_to_DER_cert(fh.read().decode())
        local = os.path.join(self.work, "offlineimap")
        os.makedirs(local)
        conf = os.path.join(self.work, "offlineimaprc")
        with open(conf, "w") as fh:
            fh.write("[general]\naccounts = ours\nmetadata = %s/meta\nui = basic\n\n"
                     "[Account ours]\nlocalrepository = local\nremoterepository = remote\n\n"
                     "[Repository local]\ntype = Maildir\nlocalfolders = %s/mail\n\n"
                     "[Repository remote]\ntype = IMAP\nremotehost = 127.0.0.1\nremoteport = %d\n"
                     "remoteuser = %s\nremotepass = %s\nssl = yes\ncert_fingerprint = %s\n"
                     % (local, local, self.server.ports["imaps"], user, PASSWORD,
                        hashlib.sha256(der).hexdigest()))
        # offlineimap's local names use "." as the separator: Lists/Debian is Lists.Debian.
        dirs = {f: os.path.join(local, "mail", f.replace("/", ".")) for f in FOLDERS}
        self.offlineimap(conf)
        want = server_state(self.server.ports["imaps"], user)
        self.assertEqual(sum(len(v) for v in want.values()), 12)
        self.assertEqual(maildir_state(dirs), want)

        c = self.imap(user)
        c.select("Lists")
        self.assertEqual(c.store("1", "-FLAGS", r"(\Seen)")[0], "OK")
        self.assertEqual(c.store("2", "+FLAGS", r"(\Deleted)")[0], "OK")
        self.assertEqual(c.expunge()[0], "OK")
        self.assertEqual(c.append("Lists/Debian", r"(\Answered)", None,
                                  message("server-new@example.org", "server side"))[0], "OK")
        c.logout()
        drop_local(dirs["INBOX"], message("local-new@example.org", "local side"), "%d.local1.host" % time.time())
        set_local_flag(dirs["&AMk-t&AOk-"], "%s-3-1@example.org" % user, "F")

        self.offlineimap(conf)
        got_server = server_state(self.server.ports["imaps"], user)
        self.assertEqual(maildir_state(dirs), got_server)
        self.assertEqual(got_server["Lists"]["%s-1-0@example.org" % user], set())
        self.assertNotIn("%s-1-1@example.org" % user, got_server["Lists"])
        self.assertEqual(got_server["Lists/Debian"]["server-new@example.org"], {"\\Answered"})
        self.assertIn("local-new@example.org", got_server["INBOX"])
        self.assertEqual(got_server["&AMk-t&AOk-"]["%s-3-1@example.org" % user], {"\\Flagged"})

    # --- mutt ------------------------------------------------------------------------

    def run_on_pty(self, argv, env, timeout=60):
        """Runs a curses program on a pseudo terminal and returns (exit status, screen output).
        Nothing is typed: the program is driven only by its own -e push."""
        pid, fd = pty.fork()
        if pid == 0:  # the child
            os.environ.clear()
            os.environ.update(env)
            os.execvp(argv[0], argv)
        out = b""
        deadline = time.monotonic() + timeout
        status = None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                out += chunk
                if chunk:
                    continue
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
                break
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            self.fail("mutt did not finish within %d s; screen: %r" % (timeout, out[-2000:]))
        os.close(fd)
        return os.waitstatus_to_exitcode(status), out

    def test_mutt_headless_tag_save_sync(self):
        user = "mutty"
        self.populate(user)
        home = os.path.join(self.work, "mutt-home")
        os.makedirs(home)
        rc = os.path.join(home, "muttrc")
        with open(rc, "w") as fh:
            fh.write('set imap_user = "%s"\nset imap_pass = "%s"\nset folder = "imaps://127.0.0.1:%d/"\n'
                     'set spoolfile = "+INBOX"\nset certificate_file = "%s"\nset ssl_verify_host = no\n'
                     'set header_cache = ""\nset message_cachedir = ""\nset confirmappend = no\n'
                     'set confirmcreate = no\nset quit = yes\nset move = no\nset delete = yes\n'
                     'set mark_old = no\nset beep = no\nset record = ""\nset timeout = 1\n'
                     % (user, PASSWORD, self.server.ports["imaps"], self.server.cert_file()))
        before = server_state(self.server.ports["imaps"], user, ("INBOX", "Lists"))
        env = {"TERM": "xterm", "HOME": home, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "LANG": "C.UTF-8"}
        # Tag all, save the tagged to =Lists (copy + mark deleted), sync (expunge), quit.
        keys = "<tag-pattern>~A<enter><tag-prefix><save-message>=Lists<enter><sync-mailbox><quit>"
        code, screen = self.run_on_pty(["mutt", "-n", "-F", rc, "-f", "imaps://127.0.0.1:%d/INBOX"
                                        % self.server.ports["imaps"], "-e", 'push "%s"' % keys], env)
        self.assertEqual(code, 0, screen[-2000:])
        after = server_state(self.server.ports["imaps"], user, ("INBOX", "Lists"))
        self.assertEqual(after["INBOX"], {}, screen[-2000:])
        # mutt's save keeps the flags (it may add \Seen as it reads the messages).
        moved = {mid: flags - {"\\Seen"} for mid, flags in after["Lists"].items()}
        expected = {mid: flags - {"\\Seen"} for mid, flags in list(before["INBOX"].items()) +
                    list(before["Lists"].items())}
        self.assertEqual(moved, expected)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
