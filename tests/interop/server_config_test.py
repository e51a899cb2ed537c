"""The reference server's JSON configuration (--config) and --allow-plaintext-auth:
listeners (POP3 and IMAP), state folder and the plaintext switch come from the file, flags after it
override it, and a malformed file is refused with a clear message.
Usage: server_config_test.py SERVER_BINARY"""
import imaplib
import json
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


class ServerConfig(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="mailaccess-config-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def test_plaintext_auth_allowed_by_config(self):
        cfg = {"pop3": ["127.0.0.1:0"], "allow-plaintext-auth": True, "quota-bytes": 1048576}
        server = ReferenceServer(BINARY, state_dir=self.work)
        path = os.path.join(self.work, "server.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        server.extra_args = ["--config", path]
        try:
            server.start(listeners=("pop3",), listener_flags=False)
            port = server.ports.get("pop3")
            self.assertIsNotNone(port, "the listener from the config file was not reported")
            c = poplib.POP3("127.0.0.1", port, timeout=10)
            self.assertIn("USER", c.capa())  # plaintext login offered without STLS
            c.user("demo")
            c.pass_("demo")
            self.assertGreaterEqual(c.stat()[0], 1)  # the welcome message
            c.quit()
        finally:
            server.cleanup()

    def test_imap_listeners_from_config(self):
        cfg = {"imap": ["127.0.0.1:0"], "imaps": "127.0.0.1:0", "allow-plaintext-auth": True}
        server = ReferenceServer(BINARY, state_dir=self.work)
        path = os.path.join(self.work, "server.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        server.extra_args = ["--config", path]
        try:
            server.start(listeners=("imap", "imaps"), listener_flags=False)
            self.assertNotIn("pop3", server.ports)  # the file names every listener
            c = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
            self.assertIn("AUTH=PLAIN", c.capabilities)  # plaintext login offered without STARTTLS
            c.login("demo", "demo")
            self.assertEqual(c.select("INBOX", readonly=True)[0], "OK")
            c.logout()
            c = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], timeout=10,
                                  ssl_context=ssl._create_unverified_context())
            c.login("demo", "demo")
            c.logout()
        finally:
            server.cleanup()

    def test_default_refuses_plaintext(self):
        server = ReferenceServer(BINARY, state_dir=self.work).start(listeners=("pop3",))
        try:
            c = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
            self.assertNotIn("USER", c.capa())
            with self.assertRaises(poplib.error_proto):
                c.user("demo")
            c.quit()
        finally:
            server.cleanup()

    def test_malformed_config_is_refused(self):
        path = os.path.join(self.work, "bad.json")
        with open(path, "w") as f:
            f.write('{"pop3": ["127.0.0.1:0"], ')
        r = subprocess.run([BINARY, "--state-dir", self.work, "--config", path],
                           capture_output=True, text=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("bad.json", r.stderr)

    def test_hash_password_entries_verify(self):
        r = subprocess.run([BINARY, "hash-password", "--user", "zoe", "--scheme", "SHA512-CRYPT"],
                           input="sekret\n", capture_output=True, text=True, check=True)
        self.assertTrue(r.stdout.startswith("zoe:{SHA512-CRYPT}$6$"), r.stdout)
        r = subprocess.run([BINARY, "hash-password", "--scheme", "NOPE"], input="x\n",
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
