"""The golden MIME corpus (tests/data/mime) still matches Dovecot: regenerate the expected IMAP
views (ENVELOPE, BODYSTRUCTURE, sections, BINARY, SEARCH) with the reference Dovecot
(../shared/tools/dovecot-ref) into a temporary folder and compare them with the committed
tests/data/mime/expected/*.json. A mismatch fails with a unified diff per file.
Loopback only; uses the dovecot-ref ports 14143/14110 (hence RUN_SERIAL in CMake).
Usage: mime_dovecot_test.py [DOVECOT_REF_DIR_SCRIPTS]"""
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MIME_DIR = os.path.normpath(os.path.join(HERE, "..", "data", "mime"))
sys.path.insert(0, MIME_DIR)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import refresh_expected  # noqa: E402  (tests/data/mime/refresh_expected.py)

SCRIPTS = refresh_expected.DEFAULT_REF
MAX_DIFF_LINES = 80  # per file
MAX_FILES_SHOWN = 10


class MimeCorpusMatchesDovecot(unittest.TestCase):
    def test_expected_views_match_dovecot(self):
        if not os.path.exists("/usr/sbin/dovecot"):
            self.fail("dovecot is not installed (dev.sh test installs dovecot-imapd dovecot-pop3d)")
        version = subprocess.run(["/usr/sbin/dovecot", "--version"], capture_output=True,
                                 text=True).stdout.strip()
        if not version.startswith(refresh_expected.REFERENCE_DOVECOT_VERSION + " "):
            print("note: expected/ was taken from Dovecot %s, this is %s; differences may be version changes"
                  % (refresh_expected.REFERENCE_DOVECOT_VERSION, version), file=sys.stderr)
        committed = os.path.join(MIME_DIR, "expected")
        out = tempfile.mkdtemp(prefix="mailaccess-mime-expected-")
        try:
            refresh_expected.run(SCRIPTS, os.path.join(MIME_DIR, "messages"), out,
                                 log=lambda m: print(m, file=sys.stderr))
            want = sorted(f for f in os.listdir(committed) if f.endswith(".json"))
            got = sorted(f for f in os.listdir(out) if f.endswith(".json"))
            self.assertEqual(want, got, "expected/ and messages/ disagree on the file list; "
                             "run tests/data/mime/refresh_expected.py")
            report, bad = [], []
            for name in want:
                with open(os.path.join(committed, name), encoding="utf-8") as fh:
                    a = fh.read().splitlines()
                with open(os.path.join(out, name), encoding="utf-8") as fh:
                    b = fh.read().splitlines()
                if a == b:
                    continue
                bad.append(name)
                if len(bad) <= MAX_FILES_SHOWN:
                    diff = list(difflib.unified_diff(a, b, "committed/" + name, "dovecot/" + name,
                                                     n=2, lineterm=""))
                    if len(diff) > MAX_DIFF_LINES:
                        diff = diff[:MAX_DIFF_LINES] + ["... (%d more diff lines)" % (len(diff) - MAX_DIFF_LINES)]
                    report.append("\n".join(line if len(line) < 400 else line[:400] + "..." for line in diff))
            if bad:
                self.fail("%d of %d expected files differ from what %s says now: %s\n\n%s\n\n"
                          "If the change is intended (new Dovecot, changed message), rerun "
                          "tests/data/mime/refresh_expected.py and update README.md."
                          % (len(bad), len(want), version, ", ".join(bad), "\n\n".join(report)))
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        SCRIPTS = sys.argv.pop(1)
    unittest.main(verbosity=2)
