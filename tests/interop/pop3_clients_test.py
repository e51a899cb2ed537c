"""Interop: curl (pop3:// with STLS and pop3s://) and mpop (STLS, leave-on-server with
UIDLs) against the reference server on loopback. Usage: pop3_clients_test.py SERVER_BINARY"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from server_fixture import ReferenceServer

BINARY = None


class Pop3Clients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ReferenceServer(BINARY).start()
        cls.work = tempfile.mkdtemp(prefix="mailaccess-clients-")
        for n in range(3):
            cls.server.deliver(("Subject: client %d\r\n\r\nhello %d\r\n" % (n, n)).encode())

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.work, ignore_errors=True)

    def curl(self, url, *extra):
        return subprocess.run(["curl", "-sS", "-k", "--max-time", "20", "--user", "demo:demo",
                               *extra, url], capture_output=True, text=True)

    def test_curl_pop3_stls(self):
        url = "pop3://127.0.0.1:%d/" % self.server.ports["pop3"]
        r = self.curl(url, "--ssl-reqd")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [l for l in r.stdout.splitlines() if l.strip()]
        self.assertGreaterEqual(len(lines), 4)  # welcome + 3 delivered
        r = self.curl(url + "2", "--ssl-reqd")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Subject:", r.stdout)

    def test_curl_refuses_plaintext_login(self):
        # Without TLS the server must not accept the password.
        r = self.curl("pop3://127.0.0.1:%d/" % self.server.ports["pop3"])
        self.assertNotEqual(r.returncode, 0)

    def test_curl_pop3s_uidl(self):
        url = "pop3s://127.0.0.1:%d/" % self.server.ports["pop3s"]
        r = self.curl(url, "-X", "UIDL")
        self.assertEqual(r.returncode, 0, r.stderr)
        uids = [l.split()[1] for l in r.stdout.splitlines() if l.strip()]
        self.assertEqual(len(uids), len(set(uids)))
        self.assertGreaterEqual(len(uids), 4)

    def test_mpop_keep_then_nothing_new(self):
        dest = os.path.join(self.work, "Maildir")
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(dest, sub))
        conf = os.path.join(self.work, "mpoprc")
        with open(conf, "w") as f:
            f.write("account default\nhost 127.0.0.1\nport %d\ntls on\ntls_starttls on\n"
                    "tls_certcheck off\nauth user\nuser demo\npassword demo\nkeep on\n"
                    "delivery maildir %s\nuidls_file %s\n"
                    % (self.server.ports["pop3"], dest, os.path.join(self.work, "uidls")))
        os.chmod(conf, 0o600)
        r = subprocess.run(["mpop", "-C", conf, "-q"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        first = len(os.listdir(os.path.join(dest, "new")))
        self.assertGreaterEqual(first, 4)
        r = subprocess.run(["mpop", "-C", conf, "-q"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(len(os.listdir(os.path.join(dest, "new"))), first)  # UIDLs: nothing twice
        self.server.deliver(b"Subject: later\r\n\r\nnew one\r\n")
        r = subprocess.run(["mpop", "-C", conf, "-q"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(len(os.listdir(os.path.join(dest, "new"))), first + 1)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
