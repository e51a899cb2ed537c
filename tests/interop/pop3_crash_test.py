"""kill -9 of the reference server while messages are being delivered and deleted over
POP3: after a restart no acknowledged deletion is undone, no delivered message is lost,
surviving messages keep their UIDL, and no UIDL is ever handed out twice.
Usage: pop3_crash_test.py SERVER_BINARY"""
import poplib
import random
import ssl
import sys
import threading
import time
import unittest

from server_fixture import ReferenceServer

BINARY = None
TLS = ssl._create_unverified_context()


def msg(n):
    return ("Subject: crash %d\r\nMessage-ID: <crash-%d@example.org>\r\n\r\nbody %d\r\n" % (n, n, n)).encode()


class CrashDurability(unittest.TestCase):
    def test_kill9_during_delivery_and_dele(self):
        rng = random.Random(1939)
        server = ReferenceServer(BINARY).start(listeners=("pop3s",))
        state = server.state_dir
        delivered = set()        # Message-IDs whose delivery completed (rename done)
        deleted_acked = set()    # UIDLs whose DELE+QUIT got +OK
        uidl_of = {}             # UIDL -> Message-ID, every value ever seen
        counter = [0]
        try:
            for _ in range(5):  # rounds of: work, kill -9, restart, verify
                stop = threading.Event()

                def deliverer():
                    while not stop.is_set():
                        counter[0] += 1
                        n = counter[0]
                        server.deliver(msg(n))
                        delivered.add("<crash-%d@example.org>" % n)
                        time.sleep(0.005)

                t = threading.Thread(target=deliverer)
                t.start()
                deadline = time.time() + rng.uniform(0.8, 1.6)
                while time.time() < deadline:
                    try:
                        c = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=TLS, timeout=5)
                        c.user("demo")
                        c.pass_("demo")
                        listing = [l.decode().split() for l in c.uidl()[1]]
                        victims = []
                        for num, uidl in listing[:3]:
                            head = b"\r\n".join(c.top(int(num), 0)[1])
                            mid = [l for l in head.split(b"\r\n") if l.lower().startswith(b"message-id:")]
                            key = mid[0].split(b":", 1)[1].strip().decode() if mid else "welcome"
                            self.assertEqual(uidl_of.setdefault(uidl, key), key, "UIDL reused")
                            c.dele(int(num))
                            victims.append(uidl)
                        c.quit()  # +OK: the deletions are acknowledged
                        deleted_acked.update(victims)
                    except (OSError, poplib.error_proto):
                        pass
                server.kill9()
                stop.set()
                t.join()
                server = ReferenceServer(BINARY, state_dir=state).start(listeners=("pop3s",))
                c = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=TLS, timeout=10)
                c.user("demo")
                c.pass_("demo")
                present = {}
                for num, uidl in (l.decode().split() for l in c.uidl()[1]):
                    head = b"\r\n".join(c.top(int(num), 0)[1])
                    mid = [l for l in head.split(b"\r\n") if l.lower().startswith(b"message-id:")]
                    key = mid[0].split(b":", 1)[1].strip().decode() if mid else "welcome"
                    self.assertNotIn(uidl, deleted_acked, "an acknowledged DELE was undone")
                    self.assertEqual(uidl_of.setdefault(uidl, key), key, "UIDL changed or reused")
                    present[key] = uidl
                c.quit()
                deleted_keys = {uidl_of[u] for u in deleted_acked}
                missing = delivered - deleted_keys - set(present)
                self.assertFalse(missing, "delivered messages lost: %s" % sorted(missing)[:5])
            self.assertGreater(len(deleted_acked), 0, "the test deleted nothing; it proved nothing")
        finally:
            server.cleanup()
            import shutil
            shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
