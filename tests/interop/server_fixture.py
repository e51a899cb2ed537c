"""Starts the reference server (mailaccess-server) on loopback ports chosen by the
kernel, in a private state directory, for the interop tests. Loopback only."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time


class ReferenceServer:
    def __init__(self, binary, extra_args=(), state_dir=None):
        self.binary = binary
        self.extra_args = list(extra_args)
        self.own_dir = state_dir is None
        self.state_dir = state_dir or tempfile.mkdtemp(prefix="mailaccess-interop-")
        self.proc = None
        self.ports = {}

    def start(self, listeners=("pop3", "pop3s"), listener_flags=True):
        """Starts the server and waits for it to report each listener in `listeners`.
        With listener_flags=False the listeners come from extra_args (e.g. --config)."""
        args = [self.binary, "--state-dir", self.state_dir, "--log-level", "warning"]
        for kind in listeners if listener_flags else ():
            args += ["--" + kind, "127.0.0.1:0"]
        args += self.extra_args
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1)
        self.ports = {}
        deadline = time.time() + 30
        while time.time() < deadline and len(self.ports) < len(listeners):
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("server exited early with %s" % self.proc.wait())
            m = re.search(r"listening (\w+) on 127\.0\.0\.1:(\d+)", line)
            if m:
                self.ports[m.group(1)] = int(m.group(2))
        if len(self.ports) < len(listeners):
            raise RuntimeError("server did not report its ports: %r" % self.ports)
        return self

    def add_user(self, user, password):
        """Appends a passwd-file entry (hashed by the binary's hash-password). Before start()
        the server reads it at once; afterwards it notices the new mtime (1 s granularity)."""
        entry = subprocess.run([self.binary, "hash-password", "--user", user], input=password + "\n",
                               capture_output=True, text=True, check=True).stdout.strip()
        with open(os.path.join(self.state_dir, "users"), "a") as f:
            f.write(entry + "\n")

    def cert_file(self):
        """The self-signed certificate the server made in its state directory."""
        return os.path.join(self.state_dir, "tls", "cert.pem")

    def maildir(self, user="demo"):
        return os.path.join(self.state_dir, "mail", user, "Maildir")

    def deliver(self, raw_bytes, user="demo", name=None):
        """Delivers like an outside MDA: write to tmp/, rename into new/."""
        md = self.maildir(user)
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(md, sub), exist_ok=True)
        name = name or "%d.P%dQ%d.interop" % (time.time(), os.getpid(), time.perf_counter_ns())
        tmp = os.path.join(md, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(raw_bytes)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(md, "new", name))
        return name

    def message_files(self, user="demo"):
        md = self.maildir(user)
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(md, sub)
            if os.path.isdir(d):
                out += [os.path.join(d, n) for n in os.listdir(d)]
        return out

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("server did not stop on SIGTERM within 15 s")
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def cleanup(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)


class DovecotRef:
    """The reference Dovecot of the workspace (shared/tools/dovecot-ref: IMAP 127.0.0.1:14143,
    POP3 127.0.0.1:14110, fixed ports, hence RUN_SERIAL), with its Maildirs under
    REF_DIR/mail/<user>/Maildir and users REF_DIR/users (password "pass")."""
    IMAP_PORT = 14143
    POP3_PORT = 14110

    def __init__(self, scripts, ref_dir=None):
        self.scripts = scripts
        self.own_dir = ref_dir is None
        self.ref_dir = ref_dir or tempfile.mkdtemp(prefix="mailaccess-dovecot-")
        os.chmod(self.ref_dir, 0o755)  # Dovecot's auth process runs as user dovecot
        self.env = dict(os.environ, REF_DIR=self.ref_dir)

    def start(self):
        if not os.path.exists("/usr/sbin/dovecot"):
            raise RuntimeError("dovecot is not installed (dev.sh test installs dovecot-imapd dovecot-pop3d)")
        subprocess.run(["sh", os.path.join(self.scripts, "start.sh")], env=self.env, check=True,
                       capture_output=True)
        return self

    def stop(self):
        subprocess.run(["sh", os.path.join(self.scripts, "stop.sh")], env=self.env, capture_output=True)

    def mail_root(self):
        return os.path.join(self.ref_dir, "mail")

    def users_file(self):
        return os.path.join(self.ref_dir, "users")

    def maildir(self, user):
        return os.path.join(self.ref_dir, "mail", user, "Maildir")

    def give_to_vmail(self):
        """Dovecot runs the mail processes as vmail: hand it what another process wrote."""
        subprocess.run(["chown", "-R", "vmail:vmail", self.mail_root()], check=True)

    def cleanup(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.ref_dir, ignore_errors=True)


def run_catch_case(test, binary, case, prefix, expect, **env):
    """Runs the Catch2 case `case` of `binary` (a C++ client scenario) against an outside server:
    the messages it must find go into a temporary directory named by PREFIX_EXPECT_DIR (CRLF
    line ends), and each keyword argument becomes PREFIX_<NAME> (port, tls, user, password,
    ca_file). Fails `test` with the case's output when it fails."""
    exp_dir = tempfile.mkdtemp(prefix="mailaccess-client-expect-")
    try:
        for i, raw in enumerate(expect):
            with open(os.path.join(exp_dir, "%03d.eml" % i), "wb") as f:
                f.write(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        run_env = dict(os.environ, **{prefix + "EXPECT_DIR": exp_dir},
                       **{prefix + k.upper(): str(v) for k, v in env.items()})
        r = subprocess.run([binary, case], capture_output=True, timeout=240, env=run_env)
        test.assertEqual(r.returncode, 0, r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace"))
    finally:
        shutil.rmtree(exp_dir, ignore_errors=True)
