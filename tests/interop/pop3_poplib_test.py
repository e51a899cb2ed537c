"""Interop: python3 poplib (a real POP3 client from Debian) against the reference
server over loopback: STLS and implicit TLS, every RFC 1939 command, UIDL stability,
the UPDATE-state rules, maildrop locking and bad input. Usage: pop3_poplib_test.py SERVER_BINARY"""
import os
import poplib
import socket
import ssl
import subprocess
import sys
import time
import unittest

from server_fixture import ReferenceServer

BINARY = None
TLS = ssl._create_unverified_context()  # self-signed test certificate


def message(n, body_lines=3):
    lines = ["From: sender%d@example.org" % n, "To: alice@example.org",
             "Subject: test message %d" % n, "Message-ID: <m%d@example.org>" % n, ""]
    lines += ["body line %d of message %d" % (i, n) for i in range(body_lines)]
    return ("\r\n".join(lines) + "\r\n").encode()


def drop(client):
    """Drops the TCP connection without QUIT. (poplib's makefile() keeps the socket
    open after sock.close(), so shut it down explicitly.)"""
    client.sock.shutdown(socket.SHUT_RDWR)
    client.sock.close()
    client.file.close()


def add_user(server, user, password):
    entry = subprocess.run([BINARY, "hash-password", "--user", user], input=password + "\n",
                           capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(server.state_dir, "users"), "a") as f:
        f.write(entry + "\n")


class Pop3Interop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ReferenceServer(BINARY).start()
        add_user(cls.server, "alice", "wonder land")
        add_user(cls.server, "bob", "builder")
        add_user(cls.server, "carol", "c")
        time.sleep(1.1)  # the passwd-file is re-read when its mtime changes (1 s granularity)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def plain(self):
        return poplib.POP3("127.0.0.1", self.server.ports["pop3"], timeout=10)

    def login(self, user="alice", password="wonder land", implicit=False):
        if implicit:
            c = poplib.POP3_SSL("127.0.0.1", self.server.ports["pop3s"], context=TLS, timeout=10)
        else:
            c = self.plain()
            c.stls(context=TLS)
        c.user(user)
        c.pass_(password)
        return c

    def test_capa_and_plaintext_refusal(self):
        c = self.plain()
        caps = c.capa()
        self.assertIn("STLS", caps)
        self.assertIn("PIPELINING", caps)
        self.assertIn("UIDL", caps)
        self.assertNotIn("USER", caps)  # no plaintext auth offered before TLS
        with self.assertRaises(poplib.error_proto) as err:
            c.user("alice")
        self.assertIn(b"[AUTH]", err.exception.args[0])
        c.stls(context=TLS)
        caps = c.capa()
        self.assertNotIn("STLS", caps)
        self.assertIn("USER", caps)
        self.assertIn("SASL", caps)
        c.user("alice")
        c.pass_("wonder land")
        c.quit()

    def test_full_transaction_stls(self):
        for n in range(3):
            self.server.deliver(message(n, body_lines=5), user="bob")
        # A line beginning with a dot must be dot-stuffed on the wire and unstuffed by poplib.
        dotted = b"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n"
        self.server.deliver(dotted, user="bob")
        c = self.login("bob", "builder")
        count, size = c.stat()
        self.assertEqual(count, 4)
        listing = c.list()[1]
        self.assertEqual(len(listing), 4)
        self.assertEqual(sum(int(l.split()[1]) for l in listing), size)
        uidls = [l.split()[1] for l in c.uidl()[1]]
        self.assertEqual(len(set(uidls)), 4)
        bodies = [b"\r\n".join(c.retr(i)[1]) + b"\r\n" for i in range(1, 5)]
        originals = sorted([message(n, 5) for n in range(3)] + [dotted])
        self.assertEqual(sorted(bodies), originals)
        top = c.top(1, 2)[1]
        self.assertIn(b"", top)
        self.assertEqual(len(top) - top.index(b"") - 1, 2)  # exactly 2 body lines
        c.dele(1)
        self.assertEqual(c.stat()[0], 3)
        with self.assertRaises(poplib.error_proto):
            c.retr(1)  # deleted
        c.rset()
        self.assertEqual(c.stat()[0], 4)
        c.dele(2)
        c.quit()
        # After an acknowledged QUIT the message is gone; UIDLs of the rest are unchanged.
        c = self.login("bob", "builder")
        self.assertEqual(c.stat()[0], 3)
        again = [l.split()[1] for l in c.uidl()[1]]
        self.assertEqual(again, uidls[:1] + uidls[2:])
        c.quit()

    def test_implicit_tls(self):
        self.server.deliver(message(42), user="carol")
        c = self.login("carol", "c", implicit=True)
        self.assertGreaterEqual(c.stat()[0], 1)
        self.assertIn(b"Subject: test message 42", c.retr(c.stat()[0])[1])
        c.quit()

    def test_dropped_connection_deletes_nothing(self):
        self.server.deliver(message(7), user="alice")
        c = self.login()
        before = c.stat()[0]
        for i in range(1, before + 1):
            c.dele(i)
        drop(c)  # no QUIT: RFC 1939 section 6, nothing may be removed
        time.sleep(0.3)
        c = self.login()
        self.assertEqual(c.stat()[0], before)
        c.quit()

    def test_maildrop_in_use(self):
        first = self.login()
        second = self.plain()
        second.stls(context=TLS)
        second.user("alice")
        with self.assertRaises(poplib.error_proto) as err:
            second.pass_("wonder land")
        self.assertIn(b"[IN-USE]", err.exception.args[0])
        first.quit()
        third = self.login()  # the lock is released at QUIT
        third.quit()

    def test_wrong_password_then_others_still_served(self):
        c = self.plain()
        c.stls(context=TLS)
        c.user("alice")
        started = time.time()
        with self.assertRaises(poplib.error_proto) as err:
            c.pass_("wrong")
        self.assertIn(b"[AUTH]", err.exception.args[0])
        self.assertGreaterEqual(time.time() - started, 0.5)  # failed logins are delayed
        c.user("alice")
        c.pass_("wonder land")
        c.quit()

    def raw(self, lines, expect_lines):
        s = socket.create_connection(("127.0.0.1", self.server.ports["pop3"]), timeout=10)
        f = s.makefile("rb")
        greeting = f.readline()
        self.assertTrue(greeting.startswith(b"+OK"))
        s.sendall(b"".join(lines))
        replies = [f.readline() for _ in range(expect_lines)]
        s.close()
        return replies

    def test_bad_input_gets_err_and_session_continues(self):
        replies = self.raw([b"X" * 5000 + b"\r\n", b"FROB\r\n", b"STAT\r\n", b"RETR 1\r\n",
                            b"NOOP\r\n", b"CAPA\r\n"], 5)
        for r in replies:
            self.assertTrue(r.startswith(b"-ERR"), r)
        # The server is still up for everyone.
        c = self.login()
        c.noop()
        c.quit()

    def test_disconnect_mid_retr(self):
        big = b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * 20000  # ~20 MB
        self.server.deliver(big, user="carol")
        c = self.login("carol", "c")
        n = c.stat()[0]
        c._putcmd("RETR %d" % n)
        c.sock.recv(1000)
        drop(c)  # mid-body
        time.sleep(0.3)
        c = self.login("carol", "c")
        self.assertEqual(c.stat()[0], n)  # nothing deleted, lock released
        c.quit()

    def test_idle_client_does_not_block_others(self):
        idle = socket.create_connection(("127.0.0.1", self.server.ports["pop3"]), timeout=10)
        self.assertTrue(idle.recv(100).startswith(b"+OK"))
        c = self.login()
        c.stat()
        c.quit()
        idle.close()


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
