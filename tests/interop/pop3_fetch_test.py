"""Interop: the mailaccess-pop3-fetch example against the reference server over
loopback, STLS and implicit TLS with the server's certificate as the only trust
anchor. Checks that the local Maildir gets exactly the server's messages, that
--keep remembers UIDLs, that the default mode deletes, and the failure exits.
Usage: pop3_fetch_test.py SERVER_BINARY FETCH_BINARY"""
import json
import os
import poplib
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest

from server_fixture import ReferenceServer

SERVER = None
FETCH = None

# Exit statuses documented in mailaccess-pop3-fetch --help.
EXIT_USAGE, EXIT_CONNECT, EXIT_TLS, EXIT_AUTH = 2, 3, 4, 5


def normalize(raw):
    """POP3 transmits CRLF; the Maildir may use LF. Compare line ends as LF."""
    return raw.replace(b"\r\n", b"\n")


def message(n):
    return ("From: sender%d@example.org\r\nTo: demo@example.org\r\nSubject: fetch test %d\r\n"
            "Message-ID: <fetch%d@example.org>\r\n\r\nbody of message %d\r\n" % (n, n, n, n)).encode()


DOTTED = (b"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\n. space\r\n"
          b"...\r\nend\r\n")


def big_message():
    # About 5 MB, with dot-led lines scattered so they straddle read boundaries.
    lines = [b"Subject: big\r\n", b"\r\n"]
    for i in range(66000):
        lines.append(b".dot line %d\r\n" % i if i % 997 == 0 else b"%06d " % i + b"z" * 70 + b"\r\n")
    return b"".join(lines)


class Pop3FetchInterop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ReferenceServer(SERVER).start(listeners=("pop3", "pop3s"))
        cls.work = tempfile.mkdtemp(prefix="mailaccess-fetch-")
        cls.password_file = os.path.join(cls.work, "password")
        with open(cls.password_file, "w") as f:
            f.write("demo\n")
        cls.wrong_password_file = os.path.join(cls.work, "wrong-password")
        with open(cls.wrong_password_file, "w") as f:
            f.write("not the password\n")
        cls.ca = os.path.join(cls.server.state_dir, "tls", "cert.pem")
        for n in range(3):
            cls.server.deliver(message(n))
        cls.server.deliver(DOTTED)
        cls.server.deliver(big_message())

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.work, ignore_errors=True)

    # --- helpers ---------------------------------------------------------

    def fetch(self, maildir, *extra, tls="starttls", password_file=None, ca=True, env=None):
        port = self.server.ports["pop3s" if tls == "implicit" else "pop3"]
        args = [FETCH, "--host", "127.0.0.1", "--port", str(port), "--tls", tls, "--user", "demo",
                "--maildir", os.path.join(self.work, maildir), "--json"]
        if password_file is not False:
            args += ["--password-file", password_file or self.password_file]
        if ca:
            args += ["--ca-file", self.ca]
        run_env = dict(os.environ)
        run_env.pop("MAILACCESS_PASSWORD", None)
        run_env.update(env or {})
        return subprocess.run(args + list(extra), capture_output=True, timeout=120, env=run_env)

    def fetch_ok(self, maildir, *extra, **kw):
        r = self.fetch(maildir, *extra, **kw)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        summary = json.loads(r.stdout.decode().strip().splitlines()[-1])
        self.assertTrue(summary["ok"])
        return summary

    def server_messages(self):
        out = []
        for path in self.server.message_files():
            with open(path, "rb") as f:
                out.append(normalize(f.read()))
        return sorted(out)

    def local_messages(self, maildir):
        md = os.path.join(self.work, maildir)
        self.assertEqual(os.listdir(os.path.join(md, "tmp")), [], "a partial message was left in tmp/")
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(md, sub)
            for name in os.listdir(d):
                with open(os.path.join(d, name), "rb") as f:
                    out.append(normalize(f.read()))
        return sorted(out)

    def poplib_count(self):
        c = poplib.POP3("127.0.0.1", self.server.ports["pop3"], timeout=10)
        c.stls(context=ssl.create_default_context(cafile=self.ca))
        c.user("demo")
        c.pass_("demo")
        count = c.stat()[0]
        c.quit()
        return count

    # --- tests, in name order ---------------------------------------------

    def test_1_keep_over_starttls(self):
        expected = self.server_messages()
        self.assertGreaterEqual(len(expected), 5)  # ours plus the demo welcome message
        self.assertIn(normalize(DOTTED), expected)
        self.assertIn(normalize(big_message()), expected)

        first = self.fetch_ok("keep-stls", "--keep")
        self.assertEqual(first["fetched"], len(expected))
        self.assertEqual(first["skipped"], 0)
        self.assertEqual(first["deleted"], 0)
        self.assertGreater(first["bytes"], 5_000_000)
        self.assertEqual(self.local_messages("keep-stls"), expected)
        self.assertTrue(os.path.exists(os.path.join(self.work, "keep-stls", ".mailaccess-uidls")))
        self.assertEqual(self.server_messages(), expected)  # --keep leaves them on the server

        second = self.fetch_ok("keep-stls", "--keep")
        self.assertEqual(second["fetched"], 0)
        self.assertEqual(second["skipped"], len(expected))
        self.assertEqual(self.local_messages("keep-stls"), expected)

        fresh = message(99)
        self.server.deliver(fresh)
        third = self.fetch_ok("keep-stls", "--keep")
        self.assertEqual(third["fetched"], 1)
        self.assertEqual(third["skipped"], len(expected))
        self.assertEqual(self.local_messages("keep-stls"), sorted(expected + [normalize(fresh)]))

    def test_2_keep_over_implicit_tls(self):
        expected = self.server_messages()
        first = self.fetch_ok("keep-tls", "--keep", tls="implicit")
        self.assertEqual(first["fetched"], len(expected))
        self.assertEqual(self.local_messages("keep-tls"), expected)
        again = self.fetch_ok("keep-tls", "--keep", tls="implicit")
        self.assertEqual(again["fetched"], 0)
        self.assertEqual(again["skipped"], len(expected))

    def test_3_wrong_password(self):
        r = self.fetch("wrong", "--keep", password_file=self.wrong_password_file)
        self.assertEqual(r.returncode, EXIT_AUTH, r.stderr)
        self.assertIn(b"authentication failed", r.stderr)
        self.assertEqual(self.local_messages("wrong"), [])

    def test_3_password_from_environment(self):
        r = self.fetch("env", "--keep", password_file=False, env={"MAILACCESS_PASSWORD": "demo"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.local_messages("env"), self.server_messages())

    def test_4_untrusted_certificate(self):
        for tls in ("starttls", "implicit"):
            r = self.fetch("untrusted-" + tls, "--keep", tls=tls, ca=False)
            self.assertEqual(r.returncode, EXIT_TLS, (tls, r.stderr))
            self.assertIn(b"TLS", r.stderr)
            self.assertFalse(os.listdir(os.path.join(self.work, "untrusted-" + tls, "new")))
        # --insecure is the explicit opt-out for self-signed test servers.
        r = self.fetch("insecure", "--keep", "--insecure", tls="implicit", ca=False)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_5_usage_and_connection_errors(self):
        r = self.fetch("usage", "--password", "demo")
        self.assertEqual(r.returncode, EXIT_USAGE)
        self.assertIn(b"command line", r.stderr)
        r = self.fetch("usage", password_file=False)  # no file, no environment
        self.assertEqual(r.returncode, EXIT_USAGE)
        # A port nobody listens on: bind, note the port, close.
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
        s.close()
        r = subprocess.run([FETCH, "--host", "127.0.0.1", "--port", str(closed_port), "--user", "demo",
                            "--password-file", self.password_file, "--maildir",
                            os.path.join(self.work, "refused")], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, EXIT_CONNECT, r.stderr)
        self.assertIn(b"cannot connect", r.stderr)

    def test_9_delete(self):
        expected = self.server_messages()
        summary = self.fetch_ok("delete")
        self.assertEqual(summary["fetched"], len(expected))
        self.assertEqual(summary["deleted"], len(expected))
        self.assertEqual(self.local_messages("delete"), expected)
        self.assertEqual(self.poplib_count(), 0)
        self.assertEqual(self.server_messages(), [])

        # A message stored by a --keep run is not fetched again by a deleting run, only deleted.
        later = [message(200), message(201)]
        for m in later:
            self.server.deliver(m)
        self.assertEqual(self.fetch_ok("resume", "--keep")["fetched"], 2)
        summary = self.fetch_ok("resume")
        self.assertEqual((summary["fetched"], summary["skipped"], summary["deleted"]), (0, 2, 2))
        self.assertEqual(self.local_messages("resume"), sorted(normalize(m) for m in later))
        self.assertEqual(self.poplib_count(), 0)
        with open(os.path.join(self.work, "resume", ".mailaccess-uidls")) as f:
            self.assertEqual(f.read(), "")  # nothing left on the server to remember


if __name__ == "__main__":
    SERVER = sys.argv.pop(1)
    FETCH = sys.argv.pop(1)
    unittest.main(verbosity=2)
