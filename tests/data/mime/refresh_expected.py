#!/usr/bin/env python3
"""Regenerate tests/data/mime/expected/*.json: the IMAP views of every message in messages/,
as served by the reference Dovecot (../shared/tools/dovecot-ref, Debian's dovecot-imapd).

usage: refresh_expected.py [DOVECOT_REF_DIR] [--out DIR] [--messages DIR] [--wait SECONDS]

DOVECOT_REF_DIR defaults to ../../../../shared/tools/dovecot-ref relative to this file.
The messages are written byte for byte into the Maildir cur/ of one test user (one file per
message, in file-name order, so bare-LF files stay bare LF, as when our Maildir server shares the
folder with Dovecot). The script logs in with imaplib on loopback, EXAMINEs INBOX and records,
per message: RFC822.SIZE, ENVELOPE, BODY, BODYSTRUCTURE (exact wire text), BODY[] compared with the
file, sections (HEADER, TEXT, HEADER.FIELDS, HEADER.FIELDS.NOT, a partial, and for every part
p: p, p.MIME, p.HEADER/p.TEXT for message/rfc822 parts), BINARY[p]/BINARY.SIZE[p] for leaf
parts, and whether the message matched each of SEARCH_QUERIES. Output is deterministic.
Byte strings are JSON strings when valid UTF-8, else {"base64": "..."}; NIL is null.
Importable: run(ref_dir, messages_dir, out_dir) does the same.
"""
import argparse
import base64
import imaplib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_REF = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "shared", "tools", "dovecot-ref"))
REFERENCE_DOVECOT_VERSION = "2.3.19.1"  # the Dovecot that expected/ was taken from (see README.md)
USER, PASSWORD = "user1", "pass"
IMAP_PORT, POP3_PORT = 14143, 14110
MTIME_BASE = 1577836800  # 2020-01-01T00:00:00Z; message i gets MTIME_BASE + 60*i as its INTERNALDATE


def _u(label, args, text, charset="utf-8"):
    """A query whose last string is 8-bit: sent as a synchronizing literal after args."""
    return (label, args, text.encode(charset))


# (label, arguments, literal bytes or None). The label is the query as a person would type it
# and is the key in the "search" object of the JSON files.
SEARCH_QUERIES = [
    _u('CHARSET UTF-8 TEXT "gęślą"', "CHARSET UTF-8 TEXT", "gęślą"),
    _u('CHARSET UTF-8 BODY "gęślą"', "CHARSET UTF-8 BODY", "gęślą"),
    _u('CHARSET UTF-8 SUBJECT "gęślą"', "CHARSET UTF-8 SUBJECT", "gęślą"),
    _u('CHARSET UTF-8 SUBJECT "Zażółć gęślą jaźń"', "CHARSET UTF-8 SUBJECT", "Zażółć gęślą jaźń"),
    _u('CHARSET UTF-8 HEADER "Subject" "gęślą"', 'CHARSET UTF-8 HEADER "Subject"', "gęślą"),
    _u('CHARSET ISO-8859-2 SUBJECT "gęślą" (key sent in ISO-8859-2)', "CHARSET ISO-8859-2 SUBJECT", "gęślą",
       "iso-8859-2"),
    _u('CHARSET UTF-8 BODY "zażółć"', "CHARSET UTF-8 BODY", "zażółć"),
    _u('CHARSET UTF-8 BODY "ZAŻÓŁĆ"', "CHARSET UTF-8 BODY", "ZAŻÓŁĆ"),
    _u('CHARSET UTF-8 FROM "Łukasz"', "CHARSET UTF-8 FROM", "Łukasz"),
    _u('CHARSET UTF-8 TO "Paweł"', "CHARSET UTF-8 TO", "Paweł"),
    _u('CHARSET UTF-8 SUBJECT "привет"', "CHARSET UTF-8 SUBJECT", "привет"),
    _u('CHARSET UTF-8 BODY "французских"', "CHARSET UTF-8 BODY", "французских"),
    _u('CHARSET UTF-8 TEXT "Дмитрий"', "CHARSET UTF-8 TEXT", "Дмитрий"),
    _u('CHARSET UTF-8 TEXT "Отчёт"', "CHARSET UTF-8 TEXT", "Отчёт"),
    _u('CHARSET UTF-8 SUBJECT "日本語"', "CHARSET UTF-8 SUBJECT", "日本語"),
    _u('CHARSET UTF-8 BODY "こんにちは"', "CHARSET UTF-8 BODY", "こんにちは"),
    _u('CHARSET UTF-8 FROM "山田"', "CHARSET UTF-8 FROM", "山田"),
    _u('CHARSET UTF-8 BODY "€"', "CHARSET UTF-8 BODY", "€"),
    _u('CHARSET UTF-8 BODY "Příliš"', "CHARSET UTF-8 BODY", "Příliš"),
    _u('CHARSET UTF-8 BODY "Größe"', "CHARSET UTF-8 BODY", "Größe"),
    _u('CHARSET UTF-8 BODY "źdźbło"', "CHARSET UTF-8 BODY", "źdźbło"),
    _u('CHARSET UTF-8 BODY "żółw"', "CHARSET UTF-8 BODY", "żółw"),
    _u('CHARSET UTF-8 BODY "łódź"', "CHARSET UTF-8 BODY", "łódź"),
    _u('CHARSET UTF-8 BODY "ćma"', "CHARSET UTF-8 BODY", "ćma"),
    _u('CHARSET UTF-8 BODY "café"', "CHARSET UTF-8 BODY", "café"),
    _u('CHARSET UTF-8 SUBJECT "Café"', "CHARSET UTF-8 SUBJECT", "Café"),
    ('BODY "marmalade"', "BODY marmalade", None),
    ('BODY "quarterly"', "BODY quarterly", None),
    ('BODY "BEGIN:VCALENDAR"', "BODY BEGIN:VCALENDAR", None),
    ('BODY "original message text"', 'BODY "original message text"', None),
    ('BODY "innermost body"', 'BODY "innermost body"', None),
    ('BODY "deepest text part"', 'BODY "deepest text part"', None),
    ('BODY "binary data"', 'BODY "binary data"', None),
    ('BODY "Hello"', "BODY Hello", None),
    ('BODY "uryyb"', "BODY uryyb", None),
    ('BODY "oacute"', "BODY oacute", None),
    ('BODY "preamble"', "BODY preamble", None),
    ('BODY "epilogue"', "BODY epilogue", None),
    ('BODY "not a part"', 'BODY "not a part"', None),
    ('BODY "never closed"', 'BODY "never closed"', None),
    ('BODY "Reporting-MTA"', "BODY Reporting-MTA", None),
    ('TEXT "mx.example.net"', "TEXT mx.example.net", None),
    ('TEXT "report-2024.pdf"', "TEXT report-2024.pdf", None),
    ('FROM "alice"', "FROM alice", None),
    ('FROM "example.org"', "FROM example.org", None),
    ('FROM "John Doe"', 'FROM "John Doe"', None),
    ('FROM "MAILER-DAEMON"', "FROM MAILER-DAEMON", None),
    ('TO "undisclosed-recipients"', "TO undisclosed-recipients", None),
    ('TO "Friends"', "TO Friends", None),
    ('CC "undisclosed"', "CC undisclosed", None),
    ('BCC "frank"', "BCC frank", None),
    ('SUBJECT "Second subject"', 'SUBJECT "Second subject"', None),
    ('SUBJECT "ab c"', 'SUBJECT "ab c"', None),
    ('SUBJECT "word009 word010"', 'SUBJECT "word009 word010"', None),
    ('HEADER "Subject" "Original message"', 'HEADER Subject "Original message"', None),
    ('HEADER "Content-Type" "mixed"', "HEADER Content-Type mixed", None),
    ('HEADER "Content-Type" "multipart/signed"', "HEADER Content-Type multipart/signed", None),
    ('HEADER "Message-ID" ""', 'HEADER Message-ID ""', None),
    ('HEADER "X-Mailer" ""', 'HEADER X-Mailer ""', None),
    ('NOT HEADER "Date" ""', 'NOT HEADER Date ""', None),
    ("SENTBEFORE 1-Jan-2000", "SENTBEFORE 1-Jan-2000", None),
    ("SENTSINCE 1-Jan-2024", "SENTSINCE 1-Jan-2024", None),
    ("SENTON 5-Mar-2024", "SENTON 5-Mar-2024", None),
    ("NOT SENTBEFORE 1-Jan-2000", "NOT SENTBEFORE 1-Jan-2000", None),
    ("SENTBEFORE 1-Jan-1970", "SENTBEFORE 1-Jan-1970", None),
    ("SENTON 1-Jan-1970", "SENTON 1-Jan-1970", None),
    ("SENTON 13-Feb-1969", "SENTON 13-Feb-1969", None),
    ("SENTON 21-Nov-1997", "SENTON 21-Nov-1997", None),
    ("SENTON 5-Mar-1999", "SENTON 5-Mar-1999", None),
    ("SENTON 4-Mar-2024", "SENTON 4-Mar-2024", None),
    ("SENTSINCE 1-Jan-2100", "SENTSINCE 1-Jan-2100", None),
    ("SENTBEFORE 1-Jan-2021 SENTSINCE 1-Jan-2020", "SENTBEFORE 1-Jan-2021 SENTSINCE 1-Jan-2020", None),
    ("LARGER 5000", "LARGER 5000", None),
    ("SMALLER 300", "SMALLER 300", None),
]

# BODY[p] is recorded for a multipart part p only when p has at most this many components
MULTIPART_BODY_MAX_DEPTH = 3

STATIC_SECTIONS = [
    ("HEADER", "HEADER"),
    ("TEXT", "TEXT"),
    ("HEADER.FIELDS (From Subject Date)", "HEADER.FIELDS (From Subject Date)"),
    ("HEADER.FIELDS.NOT (Received)", "HEADER.FIELDS.NOT (Received)"),
    ("<10.20>", "]<10.20>"),  # BODY.PEEK[]<10.20>
]


class Literal(bytes):
    """A string value that was sent as a literal (sync, or ~{n} literal8 when .eight)."""
    eight = False


def jbytes(b):
    if b is None:
        return None
    try:
        return bytes(b).decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(bytes(b)).decode("ascii")}


class Parser:
    """Minimal IMAP response value parser keeping byte offsets (for exact wire text)."""

    def __init__(self, data, pos=0):
        self.b, self.i = data, pos

    def peek(self):
        return self.b[self.i:self.i + 1]

    def expect(self, s):
        if self.b[self.i:self.i + len(s)] != s:
            raise ValueError("expected %r at %d in %r" % (s, self.i, self.b[max(0, self.i - 40):self.i + 40]))
        self.i += len(s)

    def value(self):
        c = self.peek()
        if c == b"(":
            self.i += 1
            out = []
            while self.peek() != b")":
                if out and self.peek() == b" ":  # no space between the parts of a multipart
                    self.i += 1
                out.append(self.value())
            self.i += 1
            return out
        if c == b'"':
            self.i += 1
            out = bytearray()
            while True:
                ch = self.b[self.i:self.i + 1]
                if ch == b"\\":
                    out += self.b[self.i + 1:self.i + 2]
                    self.i += 2
                elif ch == b'"':
                    self.i += 1
                    return bytes(out)
                elif not ch:
                    raise ValueError("unterminated quoted string")
                else:
                    out += ch
                    self.i += 1
        m = re.compile(rb"(~?)\{(\d+)\}\r\n").match(self.b, self.i)
        if m:
            n = int(m.group(2))
            start = m.end()
            lit = Literal(self.b[start:start + n])
            lit.eight = bool(m.group(1))
            self.i = start + n
            return lit
        m = re.compile(rb"[^ ()\[\]\"{}\r\n]+").match(self.b, self.i)
        if not m:
            raise ValueError("bad value at %d: %r" % (self.i, self.b[self.i:self.i + 40]))
        self.i = m.end()
        tok = m.group(0)
        if tok.upper() == b"NIL":
            return None
        if tok.isdigit():
            return int(tok)
        return tok.decode("ascii", "replace")

    def fetch_name(self):
        start = self.i
        m = re.compile(rb"[A-Za-z0-9.]+").match(self.b, self.i)
        self.i = m.end()
        if self.peek() == b"[":
            depth = 0
            while True:
                ch = self.b[self.i:self.i + 1]
                self.i += 1
                if ch == b"[":
                    depth += 1
                elif ch == b"]":
                    depth -= 1
                    if depth == 0:
                        break
            m = re.compile(rb"<\d+>").match(self.b, self.i)
            if m:
                self.i = m.end()
        return self.b[start:self.i].decode("ascii")

    def fetch_items(self):
        """Parse 'N (NAME VALUE ...)'; returns (seq, {NAME: (value, raw_wire_bytes)})."""
        m = re.compile(rb"(\d+) \(").match(self.b, self.i)
        if not m:
            raise ValueError("not a FETCH response: %r" % self.b[:80])
        seq = int(m.group(1))
        self.i = m.end()
        items = {}
        while self.peek() != b")":
            if items:
                self.expect(b" ")
            name = self.fetch_name()
            self.expect(b" ")
            start = self.i
            val = self.value()
            items[name.upper()] = (val, self.b[start:self.i])
        self.i += 1
        if self.i != len(self.b):
            raise ValueError("trailing data after FETCH: %r" % self.b[self.i:])
        return seq, items


def wire_responses(data):
    """imaplib's untagged data list -> exact wire text of each response (without '* ' and 'FETCH')."""
    out, cur = [], b""
    for d in data:
        if isinstance(d, tuple):
            cur += d[0] + b"\r\n" + d[1]
        else:
            out.append(cur + d)
            cur = b""
    if cur:
        raise ValueError("dangling literal in response")
    return out


NORMALIZE_TEXT = re.compile(rb" \(\d+\.\d+ \+ \d+\.\d+( \+ \d+\.\d+)? secs\)\.?$| \[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\]$")


class Session:
    def __init__(self, port):
        self.imap = imaplib.IMAP4("127.0.0.1", port, timeout=60)
        self.imap.login(USER, PASSWORD)

    def command(self, name, args, literal=None, untagged="FETCH"):
        """Run a command; returns (status_text or None if OK, [untagged wire responses])."""
        imap = self.imap
        imap.untagged_responses.clear()
        imap.literal = literal
        try:
            typ, dat = imap._simple_command(name, args)
        except imap.error as e:  # BAD
            msg = str(e)
            m = re.search(r"BAD \[b'(.*)'\]$|BAD \[b\"(.*)\"\]$", msg)
            text = (m.group(1) or m.group(2)) if m else msg
            return "BAD " + NORMALIZE_TEXT.sub(b"", text.encode()).decode(), []
        data = imap.untagged_responses.pop(untagged, [])
        if typ != "OK":
            text = dat[0] if dat and dat[0] is not None else b""
            return ("%s %s" % (typ, NORMALIZE_TEXT.sub(b"", text).decode("utf-8", "replace"))).rstrip(), \
                wire_responses(data) if untagged == "FETCH" else data
        return None, (wire_responses(data) if untagged == "FETCH" else data)

    def fetch(self, seq, items):
        err, resps = self.command("FETCH", "%d %s" % (seq, items))
        merged = {}
        for r in resps:
            rseq, its = Parser(r).fetch_items()
            if rseq != seq:
                raise RuntimeError("unexpected FETCH for %d while fetching %d" % (rseq, seq))
            merged.update(its)
        return err, merged

    def fetch_one(self, seq, item):
        """FETCH a single item; returns ('error', text) or ('ok', value)."""
        err, its = self.fetch(seq, "(%s)" % item)
        if err:
            return "error", err
        if len(its) != 1:
            raise RuntimeError("FETCH %d (%s) returned %r" % (seq, item, list(its)))
        return "ok", next(iter(its.values()))[0]


def is_multipart(node):
    return isinstance(node, list) and node and isinstance(node[0], list)


def children(node):
    out = []
    for c in node:
        if not isinstance(c, list):
            break
        out.append(c)
    return out


def is_message(node):
    return (len(node) > 9 and isinstance(node[7], list) and isinstance(node[8], list)
            and isinstance(node[0], bytes) and node[0].upper() == b"MESSAGE")


def walk(node, num, out):
    """Part numbers (RFC 3501 6.4.5) of a parsed BODYSTRUCTURE: [(number, 'multipart'|'message'|'leaf')]."""
    if is_multipart(node):
        if num:
            out.append((num, "multipart"))
        for i, c in enumerate(children(node), 1):
            walk(c, "%s.%d" % (num, i) if num else str(i), out)
        return out
    num = num or "1"
    if is_message(node):
        out.append((num, "message"))
        inner = node[8]
        if is_multipart(inner):
            for i, c in enumerate(children(inner), 1):
                walk(c, "%s.%d" % (num, i), out)
        else:
            walk(inner, num + ".1", out)
    else:
        out.append((num, "leaf"))
    return out


def crlf(data):
    return re.sub(rb"(?<!\r)\n", b"\r\n", data)


def port_busy(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def wait_ports_free(wait):
    deadline = time.monotonic() + wait
    while any(port_busy(p) for p in (IMAP_PORT, POP3_PORT)):
        if time.monotonic() > deadline:
            raise RuntimeError("ports %d/%d are busy (another reference Dovecot is running?)" % (IMAP_PORT, POP3_PORT))
        time.sleep(1)


def message_files(messages_dir):
    return sorted(f for f in os.listdir(messages_dir) if f.endswith(".eml"))


def collect(sess, seq, raw):
    rec = {}
    err, its = sess.fetch(seq, "(RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE)")
    if err:
        raise RuntimeError("FETCH %d structure failed: %s" % (seq, err))
    rec["rfc822_size"] = its["RFC822.SIZE"][0]
    rec["envelope"] = jbytes(its["ENVELOPE"][1])
    rec["body"] = jbytes(its["BODY"][1])
    rec["bodystructure"] = jbytes(its["BODYSTRUCTURE"][1])
    st, full = sess.fetch_one(seq, "BODY.PEEK[]")
    if st != "ok":
        raise RuntimeError("FETCH %d BODY[] failed: %s" % (seq, full))
    rec["full_body"] = "file" if full == raw else "file_crlf" if full == crlf(raw) else jbytes(full)
    sections = {}
    for key, spec in STATIC_SECTIONS:
        item = "BODY.PEEK[%s" % spec if spec.startswith("]") else "BODY.PEEK[%s]" % spec
        st, v = sess.fetch_one(seq, item)
        sections[key] = jbytes(v) if st == "ok" else {"error": v}
    parts = walk(its["BODYSTRUCTURE"][0], "", [])
    binary = {}
    for num, kind in parts:
        # BODY[p] of a multipart is a raw slice of its parent; deep nesting would make it quadratic
        whole = [num] if kind != "multipart" or num.count(".") < MULTIPART_BODY_MAX_DEPTH else []
        subs = whole + [num + ".MIME"] + ([num + ".HEADER", num + ".TEXT"] if kind == "message" else [])
        for s in subs:
            st, v = sess.fetch_one(seq, "BODY.PEEK[%s]" % s)
            sections[s] = jbytes(v) if st == "ok" else {"error": v}
        if kind == "leaf":
            st, v = sess.fetch_one(seq, "BINARY.PEEK[%s]" % num)
            if st != "ok":
                binary[num] = {"error": v}
                continue
            entry = {}
            st2, size = sess.fetch_one(seq, "BINARY.SIZE[%s]" % num)
            entry["size"] = size if st2 == "ok" else {"error": size}
            entry["data"] = jbytes(v)
            if isinstance(v, Literal) and v.eight:
                entry["literal8"] = True
            binary[num] = entry
    rec["parts"] = [[n, k] for n, k in parts]
    rec["sections"] = sections
    rec["binary"] = binary
    return rec


def run_searches(sess):
    results = []
    for label, args, literal in SEARCH_QUERIES:
        err, data = sess.command("SEARCH", args, literal=literal, untagged="SEARCH")
        if err:
            results.append((label, err))
            continue
        hits = set()
        for d in data:
            hits.update(int(x) for x in (d or b"").split())
        results.append((label, hits))
    return results


def dovecot_version():
    try:
        return subprocess.run(["/usr/sbin/dovecot", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"


def run(ref_dir, messages_dir, out_dir, wait=180, log=print):
    """Start a private reference Dovecot, collect the expected views, write out_dir/*.json."""
    files = message_files(messages_dir)
    if not files:
        raise RuntimeError("no messages in " + messages_dir)
    t0 = time.monotonic()
    wait_ports_free(wait)
    ref = tempfile.mkdtemp(prefix="mailaccess-mime-dovecot-")
    os.chmod(ref, 0o755)  # Dovecot's auth process runs as user dovecot and must reach users
    env = dict(os.environ, REF_DIR=ref)
    records = {}
    old_term = signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    try:
        subprocess.run(["sh", os.path.join(ref_dir, "start.sh")], env=env, check=True, capture_output=True)
        vmail = pwd.getpwnam("vmail")
        home = os.path.join(ref, "mail", USER)
        maildir = os.path.join(home, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        raws = []
        for i, f in enumerate(files):
            with open(os.path.join(messages_dir, f), "rb") as fh:
                raw = fh.read()
            raws.append(raw)
            # Dovecot orders new Maildir files by the time stamp in their names
            path = os.path.join(maildir, "cur", "%d.M%dP1.mailaccess-corpus:2," % (1600000000 + i, i))
            with open(path, "wb") as fh:
                fh.write(raw)
            os.utime(path, (MTIME_BASE + 60 * i, MTIME_BASE + 60 * i))
        for root, dirs, fs in os.walk(home):
            for n in [root] + [os.path.join(root, x) for x in fs]:
                os.chown(n, vmail.pw_uid, vmail.pw_gid)
        sess = Session(IMAP_PORT)
        typ, dat = sess.imap.select("INBOX", readonly=True)
        if typ != "OK" or int(dat[0]) != len(files):
            raise RuntimeError("INBOX has %r messages, expected %d (wrong Dovecot?)" % (dat, len(files)))
        for seq, (f, raw) in enumerate(zip(files, raws), start=1):
            records[f] = collect(sess, seq, raw)
        searches = run_searches(sess)
        sess.imap.logout()
        with open(os.path.join(ref, "dovecot.pid")) as fh:
            os.kill(int(fh.read().strip()), 0)  # our Dovecot answered, not someone else's
    finally:
        subprocess.run(["sh", os.path.join(ref_dir, "stop.sh")], env=env, capture_output=True)
        signal.signal(signal.SIGTERM, old_term)
        shutil.rmtree(ref, ignore_errors=True)
    for seq, f in enumerate(files, start=1):
        rec = records[f]
        rec["search"] = {label: (hits if isinstance(hits, str) else seq in hits) for label, hits in searches}
    os.makedirs(out_dir, exist_ok=True)
    wanted = set()
    for f in files:
        name = f[:-4] + ".json"
        wanted.add(name)
        with open(os.path.join(out_dir, name), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(json.dumps(records[f], indent=1, ensure_ascii=False) + "\n")
    for stale in os.listdir(out_dir):
        if stale.endswith(".json") and stale not in wanted:
            os.remove(os.path.join(out_dir, stale))
    log("%s: %d messages, %d searches, %.1f s -> %s" % (dovecot_version(), len(files), len(SEARCH_QUERIES),
                                                       time.monotonic() - t0, out_dir))
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ref_dir", nargs="?", default=DEFAULT_REF, help="folder with dovecot-ref start.sh/stop.sh")
    ap.add_argument("--out", default=os.path.join(HERE, "expected"))
    ap.add_argument("--messages", default=os.path.join(HERE, "messages"))
    ap.add_argument("--wait", type=float, default=180, help="seconds to wait for busy Dovecot ports")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.ref_dir, "start.sh")):
        sys.exit("no start.sh in " + a.ref_dir)
    run(a.ref_dir, a.messages, a.out, a.wait)


if __name__ == "__main__":
    main()
