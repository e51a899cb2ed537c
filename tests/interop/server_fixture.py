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
