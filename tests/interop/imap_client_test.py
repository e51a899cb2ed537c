"""Interop: net::imap_client (the [.interop] case of mailaccess_net_imap_client_tests) against
the reference server binary (STARTTLS and implicit TLS, its certificate as the only trust anchor)
and, when the workspace's reference Dovecot is available, against Dovecot (plain text, as
configured there). The same C++ scenario runs against each: connect, TLS, login, ID, NAMESPACE,
LIST, STATUS, SELECT (CONDSTORE), header sync, a streamed body, pipelined fetches, SEARCH, STORE,
a refused COPY, CREATE, MOVE, IDLE with an APPEND from a second client, GETQUOTAROOT, LOGOUT.
This script only sets up the servers, the mail and the environment. Loopback only.
Usage: imap_client_test.py TEST_BINARY SERVER_BINARY [DOVECOT_REF_SCRIPTS]"""
import imaplib
import sys
import unittest

from server_fixture import DovecotRef, ReferenceServer, run_catch_case

TEST_BINARY = None
SERVER = None
DOVECOT_SCRIPTS = None
CASE = "imap_client against an external server"


def message(n):
    body = "body %d\r\n" % n
    if n == 1:  # above the client's 64 KiB streaming threshold
        body += "".join("line %d of a bigger message\r\n" % i for i in range(4000))
    return ("From: Sender %d <sender%d@example.org>\r\nTo: demo@example.org\r\n"
            "Subject: imap client interop %d\r\nMessage-ID: <%d@interop.test>\r\n\r\n%s"
            % (n, n, n, n, body)).encode()


class ImapClientInterop(unittest.TestCase):
    def run_case(self, expect, **env):
        run_catch_case(self, TEST_BINARY, CASE, "MAILACCESS_IMAP_", expect, **env)

    def test_reference_server(self):
        for tls in ("starttls", "implicit"):
            with self.subTest(tls=tls):
                server = ReferenceServer(SERVER).start(listeners=("imap", "imaps"))
                try:
                    for n in range(3):
                        server.deliver(message(n))
                    expect = []
                    for path in server.message_files():  # ours plus the demo welcome message
                        with open(path, "rb") as f:
                            expect.append(f.read())
                    port = server.ports["imap" if tls == "starttls" else "imaps"]
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
            self.run_case(expect, port=DovecotRef.IMAP_PORT, tls="none", user="conform", password="pass")
        finally:
            ref.cleanup()


if __name__ == "__main__":
    TEST_BINARY = sys.argv.pop(1)
    SERVER = sys.argv.pop(1)
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        DOVECOT_SCRIPTS = sys.argv.pop(1)
    unittest.main(verbosity=2)
