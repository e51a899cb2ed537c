"""Interop: net::pop3_client (the [.interop] case of mailaccess_net_pop3_client_tests) against
the reference server binary (STLS and implicit TLS, its certificate as the only trust anchor)
and, when the workspace's reference Dovecot is available, against Dovecot (plain text, as
configured there). The same C++ scenario runs against each; this script only sets up the
servers, the mail and the environment. Loopback only.
Usage: pop3_client_test.py TEST_BINARY SERVER_BINARY [DOVECOT_REF_SCRIPTS]"""
import imaplib
import sys
import unittest

from server_fixture import DovecotRef, ReferenceServer, run_catch_case

TEST_BINARY = None
SERVER = None
DOVECOT_SCRIPTS = None
CASE = "pop3_client against an external server"


def message(n):
    return ("From: sender%d@example.org\r\nTo: demo@example.org\r\nSubject: client interop %d\r\n\r\n"
            "body %d\r\n.leading dot\r\n..two dots\r\n" % (n, n, n)).encode()


class Pop3ClientInterop(unittest.TestCase):
    def run_case(self, expect, **env):
        run_catch_case(self, TEST_BINARY, CASE, "MAILACCESS_POP3_", expect, **env)

    def test_reference_server(self):
        server = ReferenceServer(SERVER).start(listeners=("pop3", "pop3s"))
        try:
            for n in range(3):
                server.deliver(message(n))
            expect = []
            for path in server.message_files():  # ours plus the demo welcome message
                with open(path, "rb") as f:
                    expect.append(f.read())
            for tls, port in (("starttls", server.ports["pop3"]), ("implicit", server.ports["pop3s"])):
                with self.subTest(tls=tls):
                    self.run_case(expect, port=port, tls=tls, user="demo", password="demo",
                                  ca_file=server.cert_file())
        finally:
            server.cleanup()

    def test_dovecot(self):
        if not DOVECOT_SCRIPTS:
            self.skipTest("no reference Dovecot scripts given")
        ref = DovecotRef(DOVECOT_SCRIPTS).start()
        try:
            imap = imaplib.IMAP4("127.0.0.1", DovecotRef.IMAP_PORT)
            imap.login("conform", "pass")
            expect = [message(n) for n in range(3)]
            for raw in expect:
                imap.append("INBOX", None, None, raw)
            imap.logout()
            self.run_case(expect, port=DovecotRef.POP3_PORT, tls="none", user="conform", password="pass")
        finally:
            ref.cleanup()


if __name__ == "__main__":
    TEST_BINARY = sys.argv.pop(1)
    SERVER = sys.argv.pop(1)
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        DOVECOT_SCRIPTS = sys.argv.pop(1)
    unittest.main(verbosity=2)
