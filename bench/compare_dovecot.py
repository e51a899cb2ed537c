#!/usr/bin/env python3
"""Side by side with Dovecot (issue [6/7]): runs mailaccess-loadgen against our
reference server (mailaccess-server) and the workspace's reference Dovecot
(shared/tools/dovecot-ref) on the same Maildir copy of a generated corpus, in
alternation, and prints a table of our/Dovecot ratios.

Both servers get the same cores (taskset), the same durability (fsync'd
Maildir: each one's default) and the same password scheme (PLAIN unless
--password-scheme says otherwise). This is a benchmark, not a test: it never
asserts timings. It exits 1 only when a workload produced no figures for one
of the servers or a load generator run reported errors; --smoke runs it at a
tiny size (the ctest bench_compare_dovecot_smoke).

usage: compare_dovecot.py --loadgen PATH --server PATH [--messages N] [--rounds R]
           [--workloads a,b,...] [--cores 0,1] [--smoke] [--json OUT] [--keep] ...
(--help lists every option.)
"""
import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_TOOLS = os.path.normpath(os.path.join(REPO, "..", "shared", "tools"))
DOVECOT_BIN = "/usr/sbin/dovecot"
DOVECOT_PORTS = {"imap": 14143, "pop3": 14110}  # fixed by dovecot-ref/dovecot.conf.in
PASSWORD = "pass"
LOGIN_USERS = 100  # user1..user100, as the reference Dovecot has them
SERVERS = ("ours", "dovecot")
LABELS = {"ours": "mailaccess", "dovecot": "dovecot"}

# The script's workloads: the load generator's workload and fixed arguments.
# header-sync and header-fields-sync each run twice a round: once on a user
# whose Maildir was never opened (first open: no index, no cache, no UID list
# on either side) and once on "bench", opened before the rounds (warm).
WORKLOADS = {
    "login": ("login", []),
    "header-sync": ("header-sync", []),
    "header-fields-sync": ("header-fields-sync", []),
    "body-download": ("body-download", []),
    "pop3-retr": ("pop3-retr", ["--pipelined"]),
    "pop3-retr-serial": ("pop3-retr", []),
    "append": ("append", []),
    "mixed": ("mixed", []),
    "idle": ("idle", []),
    # Implicit TLS (our IMAPS listener, self-signed certificate): ours only,
    # the reference Dovecot is configured with "ssl = no".
    "login-tls": ("login", ["--tls", "implicit", "--insecure"]),
    "idle-tls": ("idle", ["--tls", "implicit", "--insecure"]),
}
DEFAULT_WORKLOADS = list(WORKLOADS)
TLS_WORKLOADS = ("login-tls", "idle-tls")
# The reference Dovecot's imap service process_limit (one process per session).
DOVECOT_SESSION_LIMIT = 1024
HEADER_WORKLOADS = ("header-sync", "header-fields-sync")

# Table rows: (workload, phase, unit, metric, label, target). phase is "" or
# "first-open"/"warm" for the header syncs. For "ms" and "KiB" rows the ratio is
# Dovecot/ours, so that > 1 always means we are better.
ROWS = [
    ("login", "", "ops/s", "throughput", "login+logout cycles", 10.0),
    ("login", "", "ms", "p99", "login cycle p99", None),
    ("header-sync", "first-open", "ms", "first", "header sync, first open", 1.0),
    ("header-sync", "first-open", "ms", "session", "  whole first-open session", None),
    ("header-sync", "warm", "ms", "p50", "header sync, warm", 2.0),
    ("header-fields-sync", "first-open", "ms", "first", "HEADER.FIELDS sync, first open", 1.0),
    ("header-fields-sync", "first-open", "ms", "session", "  whole first-open session", None),
    ("header-fields-sync", "warm", "ms", "p50", "HEADER.FIELDS sync, warm", 2.0),
    ("body-download", "", "MB/s", "throughput", "BODY.PEEK[] of all", 2.0),
    ("pop3-retr", "", "MB/s", "throughput", "POP3 RETR all, pipelined", 3.0),
    ("pop3-retr-serial", "", "MB/s", "throughput", "POP3 RETR all, one by one", None),
    ("append", "", "ops/s", "throughput", "APPEND (fsync'd)", 1.0),
    ("append", "", "ms", "p50", "APPEND latency p50", None),
    ("login-tls", "", "ops/s", "throughput", "login+logout cycles, implicit TLS", None),
    ("mixed", "", "ops/s", "throughput", "mixed command load", 2.0),
    ("mixed", "", "ms", "p99", "mixed command p99", None),
    # The idle targets are absolute (<= 32 KiB per plaintext connection, fan-out <= 1 s);
    # the ratio column still says who is ahead.
    ("idle", "", "KiB", "rss_per_connection", "IDLE: server memory per connection (PSS)", None),
    ("idle", "", "ms", "fanout", "IDLE: one APPEND reaches every idler", None),
    ("idle-tls", "", "KiB", "rss_per_connection", "IDLE over TLS: server memory per connection", None),
    ("idle-tls", "", "ms", "fanout", "IDLE over TLS: one APPEND reaches every idler", None),
]


class Failure(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- corpus

def make_corpus(tools, work_dir, count, seed):
    """The gen_corpus.py mbox for (count, seed), generated once per work dir."""
    path = os.path.join(work_dir, "corpus-%d-%d.mbox" % (count, seed))
    if not os.path.exists(path):
        log("generating %d messages (seed %d) ..." % (count, seed))
        tmp = path + ".part"
        subprocess.run([sys.executable, os.path.join(tools, "gen_corpus.py"), tmp, str(count), str(seed)],
                       check=True, stdout=subprocess.DEVNULL)
        os.rename(tmp, path)
    return path


def split_mbox(path):
    """The messages of an mbox as a Maildir holds them: split at "From " lines,
    mboxrd-unescaped (">From " and ">>From " lose one ">"), CRLF line ends.
    The blank line mbox writers put before each "From " line is not part of
    the message before it."""
    messages, current = [], None
    with open(path, "rb") as f:
        for line in f:
            if line.startswith(b"From "):
                if current is not None:
                    messages.append(current)
                current = []
                continue
            if current is None:
                continue  # garbage before the first From_ line
            stripped = line.lstrip(b">")
            if len(stripped) < len(line) and stripped.startswith(b"From "):
                line = line[1:]
            current.append(line.rstrip(b"\r\n"))
    if current is not None:
        messages.append(current)
    out = []
    for i, lines in enumerate(messages):
        if i + 1 < len(messages) and lines and lines[-1] == b"":
            lines = lines[:-1]
        out.append(b"".join(l + b"\r\n" for l in lines))
    return out


def write_messages(messages, folder):
    """Writes each message once into `folder` under its Maildir name (cur/,
    ",S=" and ",W=" sizes: the files are CRLF so both are the file size),
    with a fixed mtime (INTERNALDATE) per message. Returns the names."""
    os.makedirs(folder, exist_ok=True)
    names = []
    base = 1700000000
    for i, data in enumerate(messages):
        name = "%d.M%dP1.bench,S=%d,W=%d:2," % (base + i, i, len(data), len(data))
        p = os.path.join(folder, name)
        with open(p, "wb") as f:
            f.write(data)
        os.utime(p, (base + i, base + i))
        names.append(name)
    return names


def fill_maildir(maildir, source, names):
    """A Maildir whose cur/ holds `names` from `source`: hard links when
    possible (the same inodes, hence the same page cache, for both servers;
    neither server ever rewrites a message file in place), else copies."""
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    for n in names:
        src, dst = os.path.join(source, n), os.path.join(maildir, "cur", n)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)


# ---------------------------------------------------------------- servers

def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def hash_line(server, scheme):
    """One passwd-file hash for PASSWORD made by our binary (shared by every
    user on both servers: Dovecot reads the same {SCHEME} forms)."""
    line = subprocess.run([server, "hash-password", "--scheme", scheme, "--user", "x"],
                          input=PASSWORD + "\n", capture_output=True, text=True, check=True).stdout.strip()
    return line.split(":", 1)[1].split(":", 1)[0]


class OurServer:
    def __init__(self, binary, state_dir, cores):
        self.binary, self.state_dir, self.cores = binary, state_dir, cores
        self.proc = None
        self.ports = {}
        self.out_path = os.path.join(state_dir, "server.stdout")
        self.err_path = os.path.join(state_dir, "server.log")

    def maildir(self, user):
        return os.path.join(self.state_dir, "mail", user, "Maildir")

    def start(self, quota_bytes, max_connections):
        args = ["taskset", "-c", self.cores, self.binary, "--state-dir", self.state_dir,
                "--imap", "127.0.0.1:0", "--imaps", "127.0.0.1:0", "--pop3", "127.0.0.1:0",
                "--max-connections", str(max_connections), "--allow-plaintext-auth",
                "--quota-bytes", str(quota_bytes), "--log-level", "warning"]
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(self.out_path, "r", errors="replace") as f:
                found = dict((m.group(1), int(m.group(2)))
                             for m in re.finditer(r"listening (\w+) on 127\.0\.0\.1:(\d+)", f.read()))
            if "imap" in found and "imaps" in found and "pop3" in found:
                self.ports = found
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise Failure("mailaccess-server did not report its ports (exit %s); see %s"
                      % (self.proc.poll(), self.err_path))

    def pids(self):
        return [self.proc.pid] if self.proc and self.proc.poll() is None else []

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Dovecot:
    def __init__(self, scripts, ref_dir, cores):
        self.scripts, self.ref_dir, self.cores = scripts, ref_dir, cores
        self.env = dict(os.environ, REF_DIR=ref_dir)
        self.started = False
        self.ports = dict(DOVECOT_PORTS)

    def maildir(self, user):
        return os.path.join(self.ref_dir, "mail", user, "Maildir")

    def master_pid(self):
        try:
            with open(os.path.join(self.ref_dir, "dovecot.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def start(self, port_wait):
        # The ports are fixed: another reference Dovecot (an interop test in
        # another build) would answer start.sh's readiness check in our place.
        deadline = time.time() + port_wait
        while any(port_open(p) for p in DOVECOT_PORTS.values()):
            if time.time() > deadline:
                raise Failure("127.0.0.1:%s is taken (another reference Dovecot running?)"
                              % "/".join(str(p) for p in DOVECOT_PORTS.values()))
            time.sleep(1)
        # Children inherit the master's affinity: pin start.sh itself.
        r = subprocess.run(["taskset", "-c", self.cores, "sh", os.path.join(self.scripts, "start.sh")],
                           env=self.env, capture_output=True, text=True)
        self.started = True
        pid = self.master_pid()
        if r.returncode != 0 or pid is None:
            raise Failure("dovecot-ref/start.sh failed: %s%s" % (r.stdout, r.stderr))
        time.sleep(0.2)
        try:
            os.kill(pid, 0)
        except OSError:
            raise Failure("our Dovecot master %d exited (ports taken?); see %s/log/dovecot.log"
                          % (pid, self.ref_dir))

    def pids(self):
        pid = self.master_pid()
        return [pid] if pid else []

    def conf(self, key):
        r = subprocess.run(["doveconf", "-c", os.path.join(self.ref_dir, "dovecot.conf"), "-h", key],
                           capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else None

    def stop(self):
        if self.started:
            subprocess.run(["sh", os.path.join(self.scripts, "stop.sh")], env=self.env, capture_output=True)
            self.started = False


def affinity(pid):
    try:
        return ",".join(str(c) for c in sorted(os.sched_getaffinity(pid)))
    except OSError:
        return None


# ---------------------------------------------------------------- load generator

def loadgen_env():
    # The load generator's own commit is the one its build was configured at,
    # which may be long ago; its lines should name the commit being measured.
    env = dict(os.environ)
    if "MAILACCESS_GIT_COMMIT" not in env:
        commit = git("rev-parse", "--short=12", "HEAD")
        if commit:
            env["MAILACCESS_GIT_COMMIT"] = commit
    return env


def run_loadgen(opt, server, port, workload, args, label, peer_config, timeout):
    cmd = [opt.loadgen, workload, "--host", "127.0.0.1", "--port", str(port), "--password", PASSWORD,
           "--label", label, "--peer-config", peer_config] + args
    if opt.loadgen_cores:
        cmd = ["taskset", "-c", opt.loadgen_cores] + cmd
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=opt.loadgen_env)
    except subprocess.TimeoutExpired:
        return [], "timed out after %d s" % timeout, cmd
    lines = []
    for text in r.stdout.splitlines():
        text = text.strip()
        if not text:
            continue
        try:
            lines.append(json.loads(text))
        except ValueError:
            log("  [%s] not JSON: %s" % (server, text[:200]))
    problem = None
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or [""])[-1][:300]
        problem = "exit %d%s" % (r.returncode, ": " + last if last else "")
    return lines, problem, cmd


def figure(lines, unit, metric):
    for l in lines:
        if l.get("unit") == unit and l.get("conditions", {}).get("metric") == metric:
            return l.get("value")
    return None


# ---------------------------------------------------------------- main

def dovecot_runs(opt, workload):
    """Whether the reference Dovecot takes part in `workload`: not over TLS
    (its configuration says ssl = no) and not for more idlers than its
    process limit (it would refuse the rest)."""
    if workload in TLS_WORKLOADS:
        return False
    return not (workload == "idle" and opt.idle_clients > DOVECOT_SESSION_LIMIT - 24)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--loadgen", required=True, help="mailaccess-loadgen binary")
    p.add_argument("--server", required=True, help="mailaccess-server binary")
    p.add_argument("--tools", default=DEFAULT_TOOLS,
                   help="shared/tools (gen_corpus.py, dovecot-ref/); default %(default)s")
    p.add_argument("--messages", type=int, default=10000, help="corpus size (default %(default)s)")
    p.add_argument("--seed", type=int, default=20240501, help="corpus seed (default %(default)s)")
    p.add_argument("--rounds", type=int, default=3, help="ours/Dovecot alternations per workload (default 3)")
    p.add_argument("--workloads", default=",".join(DEFAULT_WORKLOADS),
                   help="comma-separated, from: %s (default: all)" % ", ".join(WORKLOADS))
    p.add_argument("--cores", default=None,
                   help="CPU list for both servers (taskset -c); default: every CPU this process may use")
    p.add_argument("--loadgen-cores", default=None, help="CPU list for the load generator (default: unpinned)")
    p.add_argument("--password-scheme", default="PLAIN",
                   help="passwd-file scheme for every user on both servers, e.g. PLAIN (as the "
                        "reference Dovecot ships) or SHA512-CRYPT (default %(default)s)")
    p.add_argument("--login-clients", type=int, default=20)
    p.add_argument("--login-seconds", type=int, default=5)
    p.add_argument("--sync-iterations", type=int, default=5, help="warm header syncs per round")
    p.add_argument("--body-iterations", type=int, default=3,
                   help="downloads per round (BODY.PEEK[] and POP3 RETR): one takes ~0.1-0.5 s, short "
                   "enough for a neighbour's burst to move a round's figure by a third")
    p.add_argument("--append-clients", type=int, default=4)
    p.add_argument("--append-count", type=int, default=50, help="APPENDs per client")
    p.add_argument("--append-size", type=int, default=10240)
    p.add_argument("--mixed-clients", type=int, default=10)
    p.add_argument("--mixed-seconds", type=int, default=10)
    p.add_argument("--idle-clients", type=int, default=500,
                   help="IDLE connections (the reference Dovecot allows 1024 imap processes)")
    p.add_argument("--smoke", action="store_true",
                   help="tiny sizes for CI: 30 messages, 1 round, 1 s login with 2 clients, 3 appends")
    p.add_argument("--json", help="write the raw load generator lines and the table here")
    p.add_argument("--work-dir", help="keep the corpus here between runs (default: a temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the servers' folders")
    p.add_argument("--port-wait", type=int, default=120,
                   help="seconds to wait for Dovecot's fixed ports to be free (default %(default)s)")
    p.add_argument("--timeout", type=int, default=900, help="seconds per load generator run")
    p.add_argument("--verbose", action="store_true", help="print every load generator line")
    opt = p.parse_args()
    if opt.smoke:
        opt.messages, opt.rounds = min(opt.messages, 30), 1
        opt.login_clients, opt.login_seconds = 2, 1
        opt.sync_iterations, opt.body_iterations = 2, 1
        opt.append_clients, opt.append_count = 1, 3
        opt.mixed_clients, opt.mixed_seconds = 2, 1
        opt.idle_clients = 5
        opt.timeout = min(opt.timeout, 60)
        opt.port_wait = min(opt.port_wait, 60)
    opt.workloads = [w.strip() for w in opt.workloads.split(",") if w.strip()]
    opt.loadgen_env = loadgen_env()
    for w in opt.workloads:
        if w not in WORKLOADS:
            p.error("unknown workload %s" % w)
    if opt.cores is None:
        opt.cores = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    if opt.rounds < 1 or opt.messages < 1:
        p.error("--rounds and --messages must be positive")
    for path in (opt.loadgen, opt.server):
        if not os.access(path, os.X_OK):
            p.error("%s is not an executable" % path)
    return opt


def git(*args):
    r = subprocess.run(["git", "-C", REPO] + list(args), capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def command_output(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
    except OSError:
        return None


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "ms":
        return "%.2f" % v if v < 100 else "%.0f" % v
    return "%.1f" % v if v < 1000 else "%.0f" % v


def main():
    opt = parse_args()
    scripts = os.path.join(opt.tools, "dovecot-ref")
    if not os.path.exists(DOVECOT_BIN):
        raise Failure("%s is missing (apt-get install dovecot-imapd dovecot-pop3d)" % DOVECOT_BIN)
    if not os.path.exists(os.path.join(scripts, "start.sh")):
        raise Failure("no %s/start.sh (see --tools)" % scripts)

    own_work = opt.work_dir is None
    work = opt.work_dir or tempfile.mkdtemp(prefix="mailaccess-compare-")
    os.makedirs(work, exist_ok=True)
    if own_work:
        os.chmod(work, 0o755)  # mkdtemp makes it 0700; Dovecot's processes must traverse it
    run_dir = tempfile.mkdtemp(prefix="run-", dir=work)
    os.chmod(run_dir, 0o755)  # Dovecot's auth and mail processes run as other users
    d = os.path.dirname(run_dir)
    while d != os.path.dirname(d):
        if not os.stat(d).st_mode & 0o001:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise Failure("%s is not searchable by other users (Dovecot runs as vmail): chmod o+x it "
                          "or choose another --work-dir" % d)
        d = os.path.dirname(d)
    ours = OurServer(opt.server, os.path.join(run_dir, "ours"), opt.cores)
    dove = Dovecot(scripts, os.path.join(run_dir, "dovecot"), opt.cores)
    servers = {"ours": ours, "dovecot": dove}
    try:
        return measure(opt, work, run_dir, servers)
    finally:
        for s in (ours, dove):
            try:
                s.stop()
            except Exception as e:  # noqa: BLE001 - keep cleaning up
                log("stopping %s: %s" % (s, e))
        if opt.keep:
            log("kept %s" % run_dir)
        elif own_work:
            shutil.rmtree(work, ignore_errors=True)
        else:
            shutil.rmtree(run_dir, ignore_errors=True)


def measure(opt, work, run_dir, servers):
    ours, dove = servers["ours"], servers["dovecot"]
    t_setup = time.time()
    messages = split_mbox(make_corpus(opt.tools, work, opt.messages, opt.seed))
    corpus_bytes = sum(len(m) for m in messages)
    if len(messages) != opt.messages:
        log("warning: the mbox split into %d messages, not %d" % (len(messages), opt.messages))
    source = os.path.join(run_dir, "messages")
    names = write_messages(messages, source)
    small = [n for n in sorted(names, key=lambda n: int(n.split(",S=")[1].split(",")[0]))][:1]

    # Users: user1..user100 (login storm) with one small message, "bench" with
    # the corpus (warm), cold-<workload>-<round> with the corpus, never opened
    # before its round (first open), "benchmixed" with the corpus (the mixed
    # load changes flags), "benchappend" empty (APPEND target). Same on both.
    cold_users = []
    for w in HEADER_WORKLOADS:
        if w in opt.workloads:
            cold_users += ["cold-%s-%d" % (w, r) for r in range(1, opt.rounds + 1)]
    corpus_users = ["bench", "benchmixed"] + cold_users
    login_users = ["user%d" % i for i in range(1, LOGIN_USERS + 1)]
    users = login_users + corpus_users + ["benchappend"]
    scheme_hash = hash_line(opt.server, opt.password_scheme)
    os.makedirs(ours.state_dir)
    os.makedirs(dove.ref_dir)
    os.chmod(dove.ref_dir, 0o755)
    with open(os.path.join(ours.state_dir, "users"), "w") as f:
        f.writelines("%s:%s\n" % (u, scheme_hash) for u in users)
    os.chmod(os.path.join(ours.state_dir, "users"), 0o600)
    with open(os.path.join(dove.ref_dir, "users"), "w") as f:  # start.sh keeps an existing one
        f.writelines("%s:%s::::::\n" % (u, scheme_hash) for u in users)
    for s in (ours, dove):
        for u in corpus_users:
            fill_maildir(s.maildir(u), source, names)
        for u in login_users:
            fill_maildir(s.maildir(u), source, small)
        fill_maildir(s.maildir("benchappend"), source, [])
    subprocess.run(["sh", "-c", "id vmail >/dev/null 2>&1 || useradd --system --no-create-home "
                    "--home-dir /nonexistent --shell /usr/sbin/nologin vmail"], check=True)
    subprocess.run(["chown", "-R", "vmail:vmail", os.path.join(dove.ref_dir, "mail")], check=True)
    log("corpus: %d messages, %.1f MB; %d users on each server (%.1f s)"
        % (len(messages), corpus_bytes / 1e6, len(users), time.time() - t_setup))

    def start_ours():
        ours.start(quota_bytes=max(1 << 40, corpus_bytes * 4), max_connections=max(10000, opt.idle_clients + 100))

    start_ours()
    dove.start(opt.port_wait)
    pinned = {k: [affinity(p) for p in s.pids()] for k, s in servers.items()}
    dovecot_fsync = dove.conf("mail_fsync")
    log("servers up: ours imap %d pop3 %d, dovecot imap %d pop3 %d; cores %s (affinity %s)"
        % (ours.ports["imap"], ours.ports["pop3"], dove.ports["imap"], dove.ports["pop3"], opt.cores, pinned))
    peer = {
        "ours": "mailaccess-server, Maildir fsync on (default), io_threads 1, store_threads 4, "
                "passwd-file %s, cores %s" % (opt.password_scheme, opt.cores),
        "dovecot": "Dovecot %s dovecot-ref, Maildir mail_fsync=%s, passwd-file %s, cores %s"
                   % (command_output([DOVECOT_BIN, "--version"]), dovecot_fsync, opt.password_scheme,
                      opt.cores),
    }

    raw = []  # every loadgen line, with our round/phase added
    problems = []
    samples = {}  # (workload, phase, unit, metric, server) -> [values]
    errored = set()  # (workload, server) with a run that reported errors

    def run(workload, phase, rnd, server, user, extra):
        lg_workload, fixed = WORKLOADS[workload]
        s = servers[server]
        port = s.ports["pop3" if lg_workload == "pop3-retr" else "imaps" if workload in TLS_WORKLOADS else "imap"]
        args = ["--user", user] + fixed + extra
        t0 = time.time()
        lines, problem, cmd = run_loadgen(opt, server, port, lg_workload, args, LABELS[server],
                                          peer[server], opt.timeout)
        took = time.time() - t0
        errors = None
        for l in lines:
            l.setdefault("conditions", {}).update({"compare_workload": workload, "compare_phase": phase,
                                                   "compare_round": rnd, "compare_server": server})
            raw.append(l)
            if opt.verbose:
                log("  " + json.dumps(l))
            c = l["conditions"]
            if c.get("errors") and not errors:
                errors = "%s errors in %s ops (first: %s)" % (c["errors"], c.get("ops"), c.get("first_error", "?"))
                errored.add((workload, server))
            if rnd is not None:
                samples.setdefault((workload, phase, l.get("unit"), c.get("metric"), server), []).append(l.get("value"))
        if phase == "first-open" and lines:
            # The whole load generator run (process start, LOGIN, LOGOUT)
            # next to its op (EXAMINE + FETCH).
            line = {"name": "compare_first_open_session", "unit": "ms", "value": took * 1000, "runs": 1,
                    "conditions": {"metric": "session", "what": "wall time of the whole load generator run: "
                                   "start, connect, LOGIN, EXAMINE, FETCH, CLOSE, LOGOUT, exit",
                                   "compare_workload": workload, "compare_phase": phase, "compare_round": rnd,
                                   "compare_server": server}}
            raw.append(line)
            samples.setdefault((workload, phase, "ms", "session", server), []).append(line["value"])
        if errors:
            problem = errors + ("" if problem is None else "; " + problem)
        if not lines and not problem:
            problem = "no output"
        if problem:
            problems.append("%s %s round %s on %s: %s\n    %s" % (workload, phase or "", rnd, server, problem,
                                                             shlex.join(cmd)))
        log("  %-18s %-10s round %s  %-7s %5.1f s%s" % (workload, phase, rnd, server, took,
                                                        "  PROBLEM: " + problem if problem else ""))

    # Warm-up (not counted): open "bench" once on each server, so its index,
    # cache and UID list exist for the warm rounds, and its files are read.
    if set(opt.workloads) & {"header-sync", "header-fields-sync", "body-download", "pop3-retr",
                             "pop3-retr-serial"}:
        for server in SERVERS:
            for w in HEADER_WORKLOADS:
                run(w, "warm-up", None, server, "bench", ["--iterations", "1"])

    for workload in opt.workloads:
        for rnd in range(1, opt.rounds + 1):
            # ours, Dovecot, Dovecot, ours, ... (ABBA): neither server always
            # runs right after the other's load, nor first on a cold machine.
            for server in SERVERS if rnd % 2 == 1 else tuple(reversed(SERVERS)):
                if server == "dovecot" and not dovecot_runs(opt, workload):
                    continue
                if workload in ("login", "login-tls"):
                    run(workload, "", rnd, server, "user%d",
                        ["--users", str(LOGIN_USERS), "--clients", str(opt.login_clients),
                         "--duration", str(opt.login_seconds)])
                elif workload in HEADER_WORKLOADS:
                    run(workload, "first-open", rnd, server, "cold-%s-%d" % (workload, rnd), ["--iterations", "1"])
                    run(workload, "warm", rnd, server, "bench", ["--iterations", str(opt.sync_iterations)])
                elif workload == "body-download":
                    run(workload, "", rnd, server, "bench", ["--iterations", str(opt.body_iterations)])
                elif workload.startswith("pop3-retr"):
                    run(workload, "", rnd, server, "bench", ["--iterations", str(opt.body_iterations)])
                elif workload == "append":
                    run(workload, "", rnd, server, "benchappend",
                        ["--clients", str(opt.append_clients), "--iterations", str(opt.append_count),
                         "--message-size", str(opt.append_size)])
                elif workload == "mixed":
                    run(workload, "", rnd, server, "benchmixed",
                        ["--clients", str(opt.mixed_clients), "--duration", str(opt.mixed_seconds)])
                elif workload in ("idle", "idle-tls"):
                    # All idlers on one user with a one-message INBOX, so that one APPEND
                    # concerns them all; the memory is that of the server's processes
                    # (Dovecot: the master and every child it forked). Ours starts
                    # afresh: heap freed by earlier workloads (a download's slices)
                    # would be reused by the idlers and hide what they cost, down to
                    # a negative figure. Dovecot forks a new process per session anyway.
                    if server == "ours":
                        ours.stop()
                        start_ours()
                    run(workload, "", rnd, server, "user1",
                        ["--clients", str(opt.idle_clients),
                         "--server-pids", ",".join(str(p) for p in servers[server].pids())])

    # The table: medians over rounds.
    table = []
    for workload, phase, unit, metric, label, target in ROWS:
        if workload not in opt.workloads:
            continue
        med = {}
        for server in SERVERS:
            vals = [v for v in samples.get((workload, phase, unit, metric, server), []) if v is not None]
            med[server] = statistics.median(vals) if vals else None
        ratio = None
        if med["ours"] and med["dovecot"]:
            # Lower is better for time and memory.
            ratio = med["dovecot"] / med["ours"] if unit in ("ms", "KiB") else med["ours"] / med["dovecot"]
        table.append({"workload": workload, "phase": phase, "label": label, "unit": unit, "metric": metric,
                      "ours": med["ours"], "dovecot": med["dovecot"], "ratio": ratio, "target": target,
                      "met": None if target is None or ratio is None else ratio >= target,
                      "errors": sorted(srv for (w, srv) in errored if w == workload)})

    # Every workload must have produced figures for each server it ran on.
    for workload in opt.workloads:
        for server in SERVERS:
            if server == "dovecot" and not dovecot_runs(opt, workload):
                continue
            if not any(k[0] == workload and k[4] == server for k in samples):
                problems.append("%s: no figures from %s" % (workload, server))

    load = os.getloadavg()
    print()
    print("Side by side with Dovecot: %d messages (%.1f MB, seed %d), %d round(s), medians; both servers "
          "on cores %s; load average %.2f %.2f %.2f"
          % (len(messages), corpus_bytes / 1e6, opt.seed, opt.rounds, opt.cores, *load))
    print("ratio = ours/Dovecot for throughput, Dovecot/ours for ms and KiB (time, memory): > 1 means we are better")
    hdr = ("what", "unit", "metric", "ours", "Dovecot", "ratio", "target", "")
    rows = [hdr]
    for t in table:
        rows.append((t["label"], t["unit"], t["metric"], fmt(t["ours"], t["unit"]), fmt(t["dovecot"], t["unit"]),
                     "-" if t["ratio"] is None else "%.2f" % t["ratio"],
                     "" if t["target"] is None else ">= %gx" % t["target"],
                     "ERRORS (%s)" % ",".join(t["errors"]) if t["errors"]
                     else {True: "met", False: "NOT met", None: ""}[t["met"]]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(hdr))]
    for i, r in enumerate(rows):
        print("  ".join(c.ljust(widths[j]) if j < 3 else c.rjust(widths[j]) for j, c in enumerate(r)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))

    skipped = [w for w in opt.workloads if not dovecot_runs(opt, w)]
    if skipped:
        print("Dovecot did not run %s: the reference configuration has ssl = no, and at most %d imap "
              "processes (one per session)" % (", ".join(skipped), DOVECOT_SESSION_LIMIT))

    inotify_instances = None
    try:
        with open("/proc/sys/fs/inotify/max_user_instances") as f:
            inotify_instances = int(f.read())
    except (OSError, ValueError):
        pass
    if ("idle" in opt.workloads and dovecot_runs(opt, "idle") and inotify_instances is not None
            and inotify_instances < opt.idle_clients):
        # Dovecot watches the mailbox with inotify from every imap process;
        # past this limit its processes fall back to polling every
        # mailbox_idle_check_interval (30 s), which its fan-out then shows.
        print("note: fs.inotify.max_user_instances is %d, below the %d idlers: Dovecot's IDLE falls back to "
              "polling (raise it with sysctl for a fair fan-out figure)" % (inotify_instances, opt.idle_clients))

    if opt.json:
        conditions = {
            "commit": git("rev-parse", "--short", "HEAD"),
            "worktree_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
            "corpus_messages": len(messages), "corpus_bytes": corpus_bytes, "corpus_seed": opt.seed,
            "rounds": opt.rounds, "cores": opt.cores, "affinity": pinned, "loadgen_cores": opt.loadgen_cores,
            "loadgen": os.path.abspath(opt.loadgen), "server": os.path.abspath(opt.server),
            "dovecot_version": command_output([DOVECOT_BIN, "--version"]), "dovecot_mail_fsync": dovecot_fsync,
            "password_scheme": opt.password_scheme, "smoke": opt.smoke, "peer_config": peer,
            "loadavg_end": list(load), "cpus_online": os.cpu_count(),
            "login": {"clients": opt.login_clients, "seconds": opt.login_seconds, "users": LOGIN_USERS},
            "sync_iterations": opt.sync_iterations, "body_iterations": opt.body_iterations,
            "append": {"clients": opt.append_clients, "count": opt.append_count, "size": opt.append_size},
            "mixed": {"clients": opt.mixed_clients, "seconds": opt.mixed_seconds},
            "idle": {"clients": opt.idle_clients, "user": "user1"},
            "inotify_max_user_instances": inotify_instances,
        }
        with open(opt.json, "w") as f:
            json.dump({"conditions": conditions, "table": table, "lines": raw, "problems": problems}, f, indent=1)
        log("wrote %s" % opt.json)

    if problems:
        print("\nproblems:")
        for p in problems:
            print("  " + p)
        return 1
    return 0


def on_sigterm(signum, frame):
    raise KeyboardInterrupt("SIGTERM")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        sys.exit(main())
    except Failure as e:
        log("compare_dovecot: %s" % e)
        sys.exit(1)
    except KeyboardInterrupt:
        log("compare_dovecot: interrupted; servers stopped")
        sys.exit(130)
