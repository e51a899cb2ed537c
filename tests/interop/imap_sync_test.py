"""Interop: mailaccess-imap-sync run twice in a row, with changes on both sides in between,
against the reference server binary (STARTTLS, its certificate as the only trust anchor) and,
when the workspace's reference Dovecot is available, against Dovecot (plain text, as configured
there). The second run must transfer only the changes: a flag set, a message appended and one
expunged on the server (with python imaplib) arrive locally; a flag set, a file deleted and a
file moved to another folder locally arrive on the server. A third run transfers nothing; then a
body is fetched on demand, and --bodies downloads the rest byte for byte. Loopback only.
Usage: imap_sync_test.py SYNC_BINARY SERVER_BINARY [DOVECOT_REF_SCRIPTS]"""
import email
import imaplib
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import unittest

from server_fixture import DovecotRef, ReferenceServer

SYNC = None
SERVER = None
DOVECOT_SCRIPTS = None


def message(n):
    body = "body of message %d\r\n" % n
    if n == 2:  # above the client's 64 KiB streaming threshold
        body += "".join("line %d of a bigger message\r\n" % i for i in range(4000))
    return ("From: Sender %d <sender%d@example.org>\r\nTo: demo@example.org\r\n"
            "Subject: sync %d\r\nMessage-ID: <%d@sync.test>\r\n\r\n%s" % (n, n, n, n, body)).encode()


def lf(raw):
    return raw.replace(b"\r\n", b"\n")


class Account:
    """Where the sync connects, and an imaplib session to change and inspect the server."""

    def __init__(self, port, user, password, tls_args, ssl_context=None):
        self.port, self.user, self.password = port, user, password
        self.tls_args, self.ssl_context = tls_args, ssl_context

    def imap(self):
        m = imaplib.IMAP4("127.0.0.1", self.port)
        if self.ssl_context is not None:
            m.starttls(self.ssl_context)
        m.login(self.user, self.password)
        return m


def local_files(root):
    """folder dir -> {subject: (path, info flags)} of every message file under root."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if os.path.basename(dirpath) not in ("cur", "new"):
            continue
        folder = os.path.relpath(os.path.dirname(dirpath), root)
        for name in filenames:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                subject = email.message_from_bytes(f.read()).get("Subject", "")
            out.setdefault(folder, {})[subject] = (path, name.partition(":2,")[2])
    return out


def server_subjects(m, folder):
    typ, _ = m.select('"%s"' % folder)
    assert typ == "OK", folder
    typ, data = m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    out = {}
    for item in data:
        if isinstance(item, tuple):
            subject = email.message_from_bytes(item[1]).get("Subject", "")
            out[subject] = item[0].decode()
    m.close()
    return out


class ImapSyncInterop(unittest.TestCase):
    resync = "auto"

    def sync(self, account, root, *extra):
        env = dict(os.environ, MAILACCESS_PASSWORD=account.password)
        r = subprocess.run([SYNC, "--host", "127.0.0.1", "--port", str(account.port), "--user", account.user,
                            "--maildir", root, "--timeout", "30", "--resync", self.resync] + account.tls_args
                           + list(extra),
                           capture_output=True, timeout=240, env=env)
        self.assertEqual(r.returncode, 0, r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace"))
        return r.stdout.decode()

    def sync_json(self, account, root, *extra):
        return json.loads(self.sync(account, root, "--json", *extra))

    def scenario(self, account, expected_inbox):
        root = tempfile.mkdtemp(prefix="mailaccess-imap-sync-")
        try:
            m = account.imap()
            m.create("Archive")  # NO if it exists: fine
            m.logout()

            first = self.sync_json(account, root)
            self.assertEqual(first["totals"]["new_messages"], len(expected_inbox) + 0, first)
            files = local_files(root)
            for n in range(1, 6):
                path, flags = files["."]["sync %d" % n]
                with open(path, "rb") as f:
                    content = f.read()
                header = lf(message(n)).split(b"\n\n")[0]
                self.assertTrue(content.startswith(header), path)  # headers only
                self.assertNotIn(b"body of message", content)

            # Nothing changed: nothing moves.
            again = self.sync_json(account, root)
            for key, value in again["totals"].items():
                if key != "uidvalidity_reset":
                    self.assertEqual(value, 0, (key, again))

            # Changes on the server...
            m = account.imap()
            m.select("INBOX")
            typ, data = m.search(None, 'SUBJECT "sync 1"')
            m.store(data[0].decode(), "+FLAGS", "\\Flagged")
            typ, data = m.search(None, 'SUBJECT "sync 2"')
            m.store(data[0].decode(), "+FLAGS", "\\Deleted")
            m.expunge()
            m.append("INBOX", None, None, message(6))
            m.logout()
            # ... and locally: seen, deleted, moved.
            files = local_files(root)
            path, flags = files["."]["sync 3"]
            os.rename(path, path.partition(":2,")[0] + ":2," + "".join(sorted(set(flags + "S"))))
            os.unlink(files["."]["sync 4"][0])
            archive = os.path.join(root, ".Archive", "cur")
            self.assertTrue(os.path.isdir(archive))
            path = files["."]["sync 5"][0]
            os.rename(path, os.path.join(archive, os.path.basename(path)))

            second = self.sync_json(account, root)
            t = second["totals"]
            self.assertEqual(t["flags_pushed"], 1, second)
            self.assertEqual(t["deletes_pushed"], 1, second)
            self.assertEqual(t["moves_pushed"], 1, second)
            self.assertEqual(t["new_messages"], 1, second)
            self.assertEqual(t["flags_pulled"], 1, second)
            self.assertEqual(t["expunged_pulled"], 1, second)
            expected_mode = {"auto": "qresync", "condstore": "condstore", "full": "full"}[self.resync]
            self.assertEqual(second["folders"]["INBOX"]["mode"], expected_mode, second)

            # The server has the local changes...
            m = account.imap()
            inbox = server_subjects(m, "INBOX")
            self.assertIn("\\Seen", inbox["sync 3"])
            self.assertNotIn("sync 4", inbox)
            self.assertNotIn("sync 5", inbox)
            self.assertIn("sync 5", server_subjects(m, "Archive"))
            m.logout()
            # ... and the local side the server's.
            files = local_files(root)
            self.assertIn("F", files["."]["sync 1"][1])
            self.assertNotIn("sync 2", files["."])
            self.assertIn("sync 6", files["."])
            self.assertIn("sync 5", files[".Archive"])
            self.assertIn("S", files["."]["sync 3"][1])

            third = self.sync_json(account, root)
            for key, value in third["totals"].items():
                if key != "uidvalidity_reset":
                    self.assertEqual(value, 0, (key, third))

            # A body on demand, then all of them.
            with open(os.path.join(root, ".mailaccess-sync.json")) as f:
                state = json.load(f)
            uid = next(u for u, rec in state["folders"]["INBOX"]["messages"].items()
                       if local_files(root)["."]["sync 1"][0].split("/")[-1].startswith(rec["file"]))
            path = self.sync(account, root, "--fetch-body", "INBOX", uid).strip()
            with open(path, "rb") as f:
                self.assertEqual(f.read(), lf(message(1)))
            full = self.sync_json(account, root, "--bodies")
            self.assertEqual(full["totals"]["new_messages"], 0, full)
            files = local_files(root)
            for n, folder in ((3, "."), (5, ".Archive"), (6, ".")):
                with open(files[folder]["sync %d" % n][0], "rb") as f:
                    self.assertEqual(f.read(), lf(message(n)), n)
            self.assertIn("F", files["."]["sync 1"][1])  # flags survive the body download
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def test_reference_server(self):
        # QRESYNC (what the server offers), then each fallback forced.
        for resync in ("auto", "condstore", "full"):
            with self.subTest(resync=resync):
                self.resync = resync
                server = ReferenceServer(SERVER).start(listeners=("imap",))
                try:
                    for n in range(1, 6):
                        server.deliver(message(n))
                    ctx = ssl.create_default_context(cafile=server.cert_file())
                    account = Account(server.ports["imap"], "demo", "demo",
                                      ["--tls", "starttls", "--ca-file", server.cert_file()], ctx)
                    self.scenario(account, server.message_files())
                finally:
                    server.cleanup()
        self.resync = "auto"

    def test_dovecot(self):
        if not DOVECOT_SCRIPTS:
            self.skipTest("no reference Dovecot scripts given")
        ref = DovecotRef(DOVECOT_SCRIPTS).start()
        try:
            account = Account(DovecotRef.IMAP_PORT, "conform", "pass", ["--tls", "none"])
            m = account.imap()
            for n in range(1, 6):
                m.append("INBOX", None, None, message(n))
            m.logout()
            self.scenario(account, list(range(5)))
        finally:
            ref.cleanup()


if __name__ == "__main__":
    SYNC = sys.argv.pop(1)
    SERVER = sys.argv.pop(1)
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        DOVECOT_SCRIPTS = sys.argv.pop(1)
    unittest.main(verbosity=2)
