"""The webmail end-to-end test's other IMAP client (python3 imaplib, over
implicit TLS verified against the reference server's certificate):
  imap_helper.py PORT CERT append FOLDER FILE      append FILE's bytes to FOLDER
  imap_helper.py PORT CERT flags FOLDER MESSAGE-ID print the flags of that message ("none" if absent)
  imap_helper.py PORT CERT create FOLDER -         create FOLDER
  imap_helper.py PORT CERT flag FOLDER MESSAGE-ID  add \\Flagged to that message
FOLDER is UTF-8; it goes on the wire in modified UTF-7 (RFC 3501 section 5.1.3).
"""
import base64
import imaplib
import ssl
import sys


def mutf7(name):
    out, run = [], []

    def flush():
        if run:
            b64 = base64.b64encode("".join(run).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + b64.replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def connect(port, cert):
    context = ssl.create_default_context(cafile=cert)
    client = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=context)
    client.login("demo", "demo")
    return client


def main():
    port, cert, command, folder, arg = sys.argv[1:6]
    folder = mutf7(folder)
    client = connect(port, cert)
    if command == "append":
        with open(arg, "rb") as f:
            typ, data = client.append(folder, None, None, f.read())
        if typ != "OK":
            sys.exit("APPEND failed: %r" % data)
        print("appended")
    elif command == "create":
        typ, data = client.create(folder)
        if typ != "OK":
            sys.exit("CREATE failed: %r" % data)
        print("created")
    elif command == "flag":
        client.select(folder)
        typ, data = client.uid("SEARCH", None, "HEADER", "Message-ID", arg)
        uids = data[0].split()
        if not uids:
            sys.exit("no message " + arg)
        client.uid("STORE", uids[0], "+FLAGS", "(\\Flagged)")
        print("flagged")
    elif command == "flags":
        client.select(folder, readonly=True)
        typ, data = client.uid("SEARCH", None, "HEADER", "Message-ID", arg)
        uids = data[0].split()
        if not uids:
            print("none")
        else:
            typ, data = client.uid("FETCH", uids[0], "(FLAGS)")
            print(data[0].decode())
    client.logout()


if __name__ == "__main__":
    main()
