"""A Maildir written by a real Dovecot (Debian's, via ../shared/tools/dovecot-ref) is
served by our server with the same POP3 UIDLs (both use "%08Xu%08Xv"), the same message
bytes, and Dovecot's flags. Loopback only.
Usage: dovecot_maildir_test.py SERVER_BINARY DOVECOT_REF_DIR_SCRIPTS"""
import imaplib
import os
import poplib
import shutil
import ssl
import subprocess
import sys
import tempfile
import unittest

from server_fixture import ReferenceServer

BINARY = None
SCRIPTS = None
TLS = ssl._create_unverified_context()


class DovecotMaildir(unittest.TestCase):
    def test_dovecot_written_maildir_is_served_with_same_uidls(self):
        if not os.path.exists("/usr/sbin/dovecot"):
            self.fail("dovecot is not installed (dev.sh test installs dovecot-imapd dovecot-pop3d)")
        ref = tempfile.mkdtemp(prefix="mailaccess-dovecot-")
        os.chmod(ref, 0o755)  # Dovecot's auth process runs as user dovecot and must reach users
        env = dict(os.environ, REF_DIR=ref)
        subprocess.run(["sh", os.path.join(SCRIPTS, "start.sh")], env=env, check=True,
                       capture_output=True)
        try:
            imap = imaplib.IMAP4("127.0.0.1", 14143)
            imap.login("conform", "pass")
            for n in range(6):
                body = ("From: a@example.org\r\nSubject: dovecot %d\r\n\r\nline\r\n.dot line %d\r\n"
                        % (n, n)).encode()
                imap.append("INBOX", r"(\Seen)" if n % 2 else None, None, body)
            imap.select("INBOX")
            imap.store("3", "+FLAGS", r"\Flagged")
            imap.store("2", "+FLAGS", r"\Deleted")
            imap.expunge()  # leaves a gap: UIDs 1,3,4,5,6 must survive as they are
            imap.logout()
            pop = poplib.POP3("127.0.0.1", 14110)
            pop.user("conform")
            pop.pass_("pass")
            dovecot_uidls = [l.split()[1] for l in pop.uidl()[1]]
            dovecot_bodies = [pop.retr(i)[1] for i in range(1, len(dovecot_uidls) + 1)]
            pop.quit()
        finally:
            subprocess.run(["sh", os.path.join(SCRIPTS, "stop.sh")], env=env, capture_output=True)
        self.assertEqual(len(dovecot_uidls), 5)
        state = tempfile.mkdtemp(prefix="mailaccess-dovecot-ours-")
        server = ReferenceServer(BINARY, ["--maildir-root", os.path.join(ref, "mail"),
                                          "--users", os.path.join(ref, "users")], state_dir=state)
        try:
            server.start(listeners=("pop3s",))
            pop = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=TLS, timeout=10)
            pop.user("conform")
            pop.pass_("pass")
            ours = [l.split()[1] for l in pop.uidl()[1]]
            self.assertEqual(ours, dovecot_uidls)
            for i, expected in enumerate(dovecot_bodies, start=1):
                self.assertEqual(pop.retr(i)[1], expected)
            pop.quit()
        finally:
            server.cleanup()
            shutil.rmtree(state, ignore_errors=True)
            shutil.rmtree(ref, ignore_errors=True)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    SCRIPTS = sys.argv.pop(1)
    unittest.main(verbosity=2)
