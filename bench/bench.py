#!/usr/bin/python3
"""The benchmark of issue #5: what the shim costs a program, and how fast it reports.

Run through scripts/bench, which installs the packages, builds the shim and the programs in
bench/, then calls this with --shim and --bin. Every figure is measured with and without the
shim in the same run, interleaved (A B A B ...); cells show "median [min..max]" over the
rounds. Prints one Markdown table (and writes it, with the raw numbers, to --out).
"""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime

# ---------------------------------------------------------------- settings

FULL = dict(
    cg_n={"mutex": 20000, "cond": 2000, "pipe": 10000, "poll": 10000, "stat": 10000,
          "close": 10000},
    cg_cond_reps=7,
    ns_rounds=9,
    ns_n={"mutex": (2000000, 5), "cond": (10000, 3), "pipe": (50000, 5), "poll": (100000, 5),
          "stat": (200000, 5), "close": (200000, 5)},
    contended_rounds=15,
    contended_n=1000000,
    redis_rounds=9,
    redis_n=200000,
    server_ir_n=20000,
    mc_rounds=9,
    memcslap_e=20000,
    kvload_per_conn=25000,
    spawn_rounds=30,
    spawn_batch=100,
    fork_rounds=15,
    fork_n={"exit": 1000, "exec": 300},
    git_rounds=7,
    rss_rounds=7,
    watchdog_s=60,
    stalls=20,
    cold_runs=9,
    eustack_runs=7,
    sym_rounds=5,
    many=100,
    eustack_procs=20,
    dump_rounds=20,
    watch_s=60,
    triage_lines=1000000,
    triage_rounds=3,
    mpi_barriers=200000,
    mpi_rounds=5,
)
QUICK = dict(
    cg_n={"mutex": 5000, "cond": 500, "pipe": 2000, "poll": 2000, "stat": 2000, "close": 2000},
    cg_cond_reps=2,
    ns_rounds=3,
    ns_n={"mutex": (500000, 3), "cond": (2000, 3), "pipe": (10000, 3), "poll": (20000, 3),
          "stat": (50000, 3), "close": (50000, 3)},
    contended_rounds=3,
    contended_n=200000,
    redis_rounds=2,
    redis_n=20000,
    server_ir_n=4000,
    mc_rounds=2,
    memcslap_e=3000,
    kvload_per_conn=3000,
    spawn_rounds=5,
    spawn_batch=30,
    fork_rounds=3,
    fork_n={"exit": 300, "exec": 100},
    git_rounds=1,
    rss_rounds=2,
    watchdog_s=5,
    stalls=5,
    cold_runs=2,
    eustack_runs=3,
    sym_rounds=2,
    many=30,
    eustack_procs=5,
    dump_rounds=3,
    watch_s=5,
    triage_lines=100000,
    triage_rounds=1,
    mpi_barriers=20000,
    mpi_rounds=1,
)

LOCK_THRESHOLD_S = 1.0  # STALLWATCH_LOCK for the latency figures
HOLD_MS, GAP_MS = 1500, 200
IDLE_THREADS = 1000
DUMP_THREADS = 49  # idle threads; with the main thread, 50 in all
# Servers run on CPU 0 and their load generators on CPU 1 (when there are two), so that the
# two never take turns on one CPU, which moves throughput and tail latency by tens of percent
# from one run to the next on a 2-CPU machine.
SERVER_CPU, CLIENT_CPU = 0, 1

# ---------------------------------------------------------------- small statistics


def pct(v, p):
    """Percentile p (0..100) with linear interpolation."""
    s = sorted(v)
    if not s:
        return float("nan")
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def med(v):
    return pct(v, 50)


def num(x, digits):
    if x != x:  # nan
        return "n/a"
    return f"{x:,.{digits}f}"


def spread(v, digits, unit=""):
    """'median [min..max]' of a list, or the lone value."""
    if len(v) == 1:
        return f"{num(v[0], digits)}{unit}"
    return f"{num(med(v), digits)}{unit} [{num(min(v), digits)}..{num(max(v), digits)}]"


def dist(v, digits, unit=""):
    """'median / p90 / max' of a list."""
    return f"{num(med(v), digits)} / {num(pct(v, 90), digits)} / {num(max(v), digits)}{unit}"


def signed(x, digits):
    return ("+" if x >= 0 else "") + num(x, digits)


def signed_spread(v, digits, unit=""):
    if len(v) == 1:
        return f"{signed(v[0], digits)}{unit}"
    return (f"{signed(med(v), digits)}{unit} [{signed(min(v), digits)}.."
            f"{signed(max(v), digits)}]")


# ---------------------------------------------------------------- process helpers



# The hot-path loops of bench/hotpath.c, in table order.
HOT_MODES = ("mutex", "cond", "pipe", "poll", "stat", "close")
HOT_LABELS = {
    "mutex": "uncontended pthread_mutex_lock+unlock",
    "cond": "cond signal/wait ping-pong, per round trip",
    "pipe": "pipe write+read of 1 byte, per pair",
    "poll": "poll() with zero timeout",
    "stat": "fstat() of a pipe",
    "close": "dup() + close(), per pair (close wrapped)",
}

class ServerDied(Exception):
    pass


class Bench:
    def __init__(self, args):
        self.args = args
        self.cfg = QUICK if args.quick else FULL
        self.shim = args.shim
        self.bin = args.bin
        self.rows = []
        self.notes = []
        self.raw = {}
        self.tmp = tempfile.mkdtemp(prefix="stallwatch-bench-")
        self.children = []
        base = {k: v for k, v in os.environ.items()
                if k != "LD_PRELOAD" and not k.startswith("STALLWATCH_")}
        self.env_without = base
        self.env_with = dict(base, LD_PRELOAD=self.shim)

    def prog(self, name):
        return os.path.join(self.bin, name)

    def env(self, with_shim, **extra):
        e = dict(self.env_with if with_shim else self.env_without)
        e.update(extra)
        return e

    def log(self, msg):
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    @staticmethod
    def on_cpu(cpu):
        """A preexec_fn that pins the child to one CPU (None: no pinning, one CPU only)."""
        if cpu is None or os.cpu_count() < 2:
            return None
        return lambda: os.sched_setaffinity(0, {cpu})

    def run(self, cmd, env=None, timeout=600, cpu=None):
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout, preexec_fn=self.on_cpu(cpu))
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr[-2000:]}")
        return r.stdout

    def start(self, cmd, env=None, **kw):
        p = subprocess.Popen(cmd, env=env, **kw)
        self.children.append(p)
        return p

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.children:
            self.children.remove(p)

    def cleanup(self):
        for p in list(self.children):
            self.stop(p)

    def row(self, figure, without, with_, delta, target="", verdict=""):
        self.rows.append((figure, without, with_, delta, target, verdict))

    @staticmethod
    def verdict(ok, rounds=None, target=None):
        """met / MISSED on the median; when the per-round values lie on both sides of the
        target, says so: the rounds disagree and the verdict is within the noise."""
        v = "met" if ok else "MISSED"
        if rounds and target is not None and len(rounds) > 1 \
                and min(rounds) <= target <= max(rounds):
            v += " (rounds on both sides)"
        return v

    # ------------------------------------------------------------ 1. hot path, instructions

    @staticmethod
    def parse_callgrind(path, object_suffix):
        """(total Ir, self Ir of the objects whose path ends with object_suffix) of a
        callgrind output file (format: valgrind's docs/callgrind-format)."""
        total, mine = None, 0
        names = {}
        in_mine = skip_next = False
        with open(path) as f:
            for line in f:
                if line.startswith(("totals:", "summary:")):
                    total = int(line.split()[1])
                    continue
                if skip_next:  # the inclusive cost line that follows calls=
                    skip_next = False
                    continue
                if line.startswith(("ob=", "cob=")):  # objects share one id space
                    m = re.match(r"c?ob=(\(\d+\))?\s*(.*)", line.rstrip("\n"))
                    ident, name = m.group(1), m.group(2)
                    if ident and name:
                        names[ident] = name
                    elif ident:
                        name = names.get(ident, "")
                    if line.startswith("ob="):
                        in_mine = name.endswith(object_suffix)
                elif line.startswith("calls="):
                    skip_next = True
                elif in_mine and line[:1] in "0123456789+-*":
                    parts = line.split()
                    if len(parts) >= 2:
                        mine += int(parts[1])
        return total, mine

    def callgrind_ir(self, mode, n, variant):
        out = os.path.join(self.tmp, f"cg.{mode}.{n}.{variant}")
        env = self.env(variant == "with")
        if variant == "control":
            env["BENCH_IDLE_THREAD"] = "1"
        self.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                  "--toggle-collect=loop_*", self.prog("hotpath"), mode, str(n), "0"], env=env)
        total, mine = self.parse_callgrind(out, "/" + os.path.basename(self.shim))
        os.unlink(out)
        return total, mine

    def hot_instructions(self):
        for mode in HOT_MODES:
            n = self.cfg["cg_n"][mode]
            reps = self.cfg["cg_cond_reps"] if mode == "cond" else 1
            # The control (one extra idle thread, no shim) only means something for the
            # single-threaded loops; the ping-pong has two threads already.
            variants = ("without", "with") if mode == "cond" else ("without", "with", "control")
            per = {v: [] for v in variants}
            shim_code = []
            for _ in range(reps):
                for variant in variants:
                    a, sa = self.callgrind_ir(mode, n, variant)
                    b, sb = self.callgrind_ir(mode, 2 * n, variant)
                    per[variant].append((b - a) / n)
                    if variant == "with":
                        shim_code.append((sb - sa) / n)
            added = [w - o for w, o in zip(per["with"], per["without"])]
            self.raw[f"ir_{mode}"] = dict(per, shim_code=shim_code)
            d = 0 if reps == 1 else 1
            delta = f"{signed_spread(added, d)} (shim's own code {signed(med(shim_code), d)}"
            if "control" in per:
                thread = [c - o for c, o in zip(per["control"], per["without"])]
                delta += f"; 2nd thread alone {signed(med(thread), d)}"
            delta += ")"
            if mode == "mutex":
                target, verdict = "<= 20", self.verdict(med(added) <= 20)
            else:
                target, verdict = "", ""
            self.row(f"Hot path: {HOT_LABELS[mode]}: instructions (callgrind)",
                     spread(per["without"], d), spread(per["with"], d), delta, target, verdict)
        self.notes.append(
            "Instructions: (Ir(2N) - Ir(N)) / N inside the benchmark loop (callgrind "
            "--toggle-collect=loop_*). 'shim's own code' counts the instructions executed inside "
            "libstallwatch.so (deterministic even where the total is not: the ping-pong's glibc "
            "condvar path varies with thread interleaving under valgrind). '2nd thread alone' is "
            "a control run without the shim but with one extra idle thread, minus the plain run: "
            "glibc skips its cancellation-point and locking work while a process has a single "
            "thread, and the shim's watchdog thread makes every process multi-threaded. The "
            "nanosecond rows split the same way: wrapper = with shim - control.")

    # ------------------------------------------------------------ 1b. hot path, nanoseconds

    def hot_nanoseconds(self):
        for mode in HOT_MODES:
            n, reps = self.cfg["ns_n"][mode]
            variants = ("without", "with") if mode == "cond" else ("without", "with", "control")
            res = {v: [] for v in variants}
            for _ in range(self.cfg["ns_rounds"]):
                for variant in variants:
                    env = self.env(variant == "with")
                    if variant == "control":
                        env["BENCH_IDLE_THREAD"] = "1"
                    out = self.run([self.prog("hotpath"), mode, str(n), str(reps)], env=env)
                    res[variant].append(float(out.split()[0]))
            self.raw[f"ns_{mode}"] = res
            added = [w - o for w, o in zip(res["with"], res["without"])]
            d = 0 if mode == "cond" else 1
            delta = signed_spread(added, d, " ns")
            if "control" in res:
                wrapper = [w - c for w, c in zip(res["with"], res["control"])]
                thread = [c - o for c, o in zip(res["control"], res["without"])]
                delta += (f" (wrapper {signed(med(wrapper), d)}, "
                          f"2nd thread {signed(med(thread), d)})")
            self.row(f"Hot path: {HOT_LABELS[mode]}: ns", spread(res["without"], d),
                     spread(res["with"], d), delta)

    # ------------------------------------------------------------ 2. contended mutex

    def contended(self):
        labels = {
            "contended": "Contended mutex, 2 threads (one per CPU), one mutex: Mops/s",
            "parallel": "Uncontended mutexes in 2 threads at once (one per CPU, own mutex "
                        "each): Mops/s",
        }
        for mode in ("contended", "parallel"):
            n = self.cfg["contended_n"] * (1 if mode == "contended" else 4)
            res = {"without": [], "with": [], "disabled": []}
            for _ in range(self.cfg["contended_rounds"]):
                for variant in ("without", "with", "disabled"):
                    env = self.env(variant != "without")
                    if variant == "disabled":
                        env["STALLWATCH_DISABLE"] = "1"
                    out = self.run([self.prog("hotpath"), mode, str(n), "3"], env=env)
                    res[variant].append(float(out.split()[0]) / 1e6)
            self.raw[mode] = res
            ratio = [w / o for w, o in zip(res["with"], res["without"])]
            passive = [d / o for d, o in zip(res["disabled"], res["without"])]
            self.row(labels[mode], spread(res["without"], 1), spread(res["with"], 1),
                     f"{spread(ratio, 3, 'x')} (with STALLWATCH_DISABLE=1: "
                     f"{spread(passive, 3, 'x')})")

    # ------------------------------------------------------------ 3. servers

    @staticmethod
    def free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def start_server(self, name, cmd, with_shim):
        """Starts a server on loopback and waits until it accepts connections. Returns the
        process, or raises ServerDied (with how it ended) if it exits first."""
        port = self.free_port()
        cmd = [a.replace("{PORT}", str(port)) for a in cmd]
        p = self.start(cmd, env=self.env(with_shim), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, preexec_fn=self.on_cpu(SERVER_CPU))
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if p.poll() is not None:
                self.children.remove(p)
                rc = p.returncode
                how = f"killed by {signal.Signals(-rc).name}" if rc < 0 else f"exit status {rc}"
                raise ServerDied(f"{name} {'with' if with_shim else 'without'} the shim died "
                                 f"at start-up ({how})")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return p, port
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{name}: nothing listens on 127.0.0.1:{port}")

    def proc_cpu_s(self, pid):
        """utime + stime of every thread of a process, in seconds."""
        return self.cpu_ticks(f"/proc/{pid}/stat") / os.sysconf("SC_CLK_TCK")

    def cpu_rows(self, name, cpu_us):
        """The server's CPU time per request (cpu_us[variant]: one value per client run)."""
        r = [w / o for w, o in zip(cpu_us["with"], cpu_us["without"])]
        self.row(f"{name}: server CPU time (all threads, utime+stime) per request, us",
                 spread(cpu_us["without"], 2), spread(cpu_us["with"], 2), spread(r, 3, "x"))

    def server_ir(self, name, cmd, load, requests, with_shim):
        """Runs a server under callgrind, puts load(port) on it, stops it; returns its
        instruction count and the shim's share of it (all threads, start-up included)."""
        out = os.path.join(self.tmp, f"cg.{name}.{requests}.{with_shim}")
        p, port = self.start_server(name, ["valgrind", "--tool=callgrind",
                                           f"--callgrind-out-file={out}"] + cmd, with_shim)
        try:
            load(port)
        finally:
            self.stop(p)
        total, mine = self.parse_callgrind(out, "/" + os.path.basename(self.shim))
        os.unlink(out)
        return total, mine

    def server_instructions(self):
        """redis-server's cost in instructions, which callgrind counts the same on any machine:
        user-space instructions per request with and without the shim, from runs of N and 2N
        requests ((Ir(2N) - Ir(N)) / N cancels start-up and shutdown), and how many of them
        are the shim's own code."""
        n = self.cfg["server_ir_n"]
        # Not memcached: it sets RLIMIT_NOFILE's hard limit to its connection count at start,
        # which valgrind refuses (it keeps that limit for its own descriptors), so memcached
        # exits with status 71 under valgrind.
        servers = {
            "redis-server": (
                ["redis-server", "--port", "{PORT}", "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--daemonize", "no", "--dir", self.tmp, "--logfile",
                 os.path.join(self.tmp, "redis-cg.log")],
                lambda port, k: self.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port),
                                          "-t", "set,get", "-n", str(k), "-P", "1", "-c", "50",
                                          "-q"], env=self.env_without, cpu=CLIENT_CPU),
                lambda k: 2 * k, "SET+GET, 50 connections"),
        }
        for name, (cmd, load, nreq, what) in servers.items():
            per, share = {}, None
            try:
                for variant in ("without", "with"):
                    a, sa = self.server_ir(name, cmd, lambda port: load(port, n), n,
                                           variant == "with")
                    b, sb = self.server_ir(name, cmd, lambda port: load(port, 2 * n), 2 * n,
                                           variant == "with")
                    per[variant] = (b - a) / nreq(n)
                    if variant == "with":
                        share = (sb - sa) / nreq(n)
            except ServerDied as e:
                self.server_died(e, [f"{name}: instructions per request (callgrind)"], [""])
                continue
            self.raw[f"ir_{name}"] = dict(per, shim_code=share)
            self.row(f"{name} ({what}) under callgrind: user-space instructions per request",
                     f"{per['without']:,.0f}", f"{per['with']:,.0f}",
                     f"{per['with'] / per['without']:.3f}x (shim's own code {share:,.0f}, "
                     f"{share / per['with'] * 100:.1f}% of the server's)")
        self.notes.append(
            "Servers under callgrind: the servers' own instructions per request, with the "
            "client outside valgrind; they leave out the kernel's work (the TCP loopback, "
            "epoll), which is most of a request's cost, so the shim's share of a request's "
            "CPU time is smaller than its share of these instructions. The wrappers' count per "
            "request is fixed; the rest of the difference between the two columns is the "
            "server's own path varying with timing (how many requests one epoll_wait "
            "returns).")

    def server_died(self, e, figures, targets):
        self.log(str(e))
        for fig, target in zip(figures, targets):
            self.row(fig, "not measured", str(e), "-", target, "MISSED (crash)")

    def redis(self):
        servers = {}
        try:
            for variant in ("without", "with"):
                d = os.path.join(self.tmp, f"redis-{variant}")
                os.makedirs(d)
                servers[variant] = self.start_server(
                    "redis-server", ["redis-server", "--port", "{PORT}", "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no", "--daemonize", "no",
                                     "--dir", d, "--logfile", os.path.join(d, "log")],
                    variant == "with")
            res = {v: {"SET": [], "GET": []} for v in servers}
            p99 = {v: {"SET": [], "GET": []} for v in servers}
            cpu = {v: [] for v in servers}
            for _ in range(self.cfg["redis_rounds"]):
                for variant in ("without", "with"):
                    c0 = self.proc_cpu_s(servers[variant][0].pid)
                    out = self.run(["redis-benchmark", "-h", "127.0.0.1", "-p",
                                    str(servers[variant][1]), "-t", "set,get", "-n",
                                    str(self.cfg["redis_n"]), "-P", "1", "-c", "50", "--csv"],
                                   env=self.env_without, cpu=CLIENT_CPU)
                    cpu[variant].append((self.proc_cpu_s(servers[variant][0].pid) - c0) * 1e6 /
                                        (2 * self.cfg["redis_n"]))
                    for line in out.splitlines():
                        f = [x.strip('"') for x in line.split(",")]
                        if f[0] in ("SET", "GET"):
                            res[variant][f[0]].append(float(f[1]))
                            p99[variant][f[0]].append(float(f[6]))
        except ServerDied as e:
            self.server_died(e, [f"redis-server, redis-benchmark {t}: {w}"
                                 for t in ("SET", "GET") for w in ("requests/s", "p99 latency")],
                             [">= 0.98x", "<= 1.05x"] * 2)
            return
        finally:
            for p, _ in servers.values():
                self.stop(p)
        self.raw["redis"] = {"rps": res, "p99_ms": p99, "server_cpu_us_per_request": cpu}
        for test in ("SET", "GET"):
            r = [w / o for w, o in zip(res["with"][test], res["without"][test])]
            self.row(f"redis-server, redis-benchmark {test} (-c 50 -P 1): requests/s",
                     spread(res["without"][test], 0), spread(res["with"][test], 0),
                     spread(r, 3, "x"), ">= 0.98x", self.verdict(med(r) >= 0.98, r, 0.98))
            r = [w / o for w, o in zip(p99["with"][test], p99["without"][test])]
            self.row(f"redis-server, redis-benchmark {test}: p99 latency, ms",
                     spread(p99["without"][test], 3), spread(p99["with"][test], 3),
                     spread(r, 3, "x"), "<= 1.05x", self.verdict(med(r) <= 1.05, r, 1.05))
        self.cpu_rows("redis-server, SET+GET", cpu)

    def memcached(self):
        servers = {}
        user = ["-u", "root"] if os.geteuid() == 0 else []
        e, c = self.cfg["memcslap_e"], 4
        try:
            for variant in ("without", "with"):
                servers[variant] = self.start_server(
                    "memcached", ["memcached", "-t", "4", "-p", "{PORT}", "-U", "0", "-l",
                                  "127.0.0.1", "-m", "256"] + user, variant == "with")
            res = {v: {"get": [], "set": [], "kv": [], "kv_p99": []} for v in servers}
            cpu = {v: [] for v in servers}
            rx = re.compile(r"Time to (get|set)\s+(\d+) keys by\s+(\d+) threads:"
                            r"\s+([\d.]+) seconds")
            for _ in range(self.cfg["mc_rounds"]):
                for variant in ("without", "with"):
                    port = servers[variant][1]
                    c0 = self.proc_cpu_s(servers[variant][0].pid)
                    for test in ("get", "set"):
                        out = self.run(["memcslap", f"--servers=127.0.0.1:{port}",
                                        f"--test={test}", f"--concurrency={c}",
                                        f"--execute-number={e}"], env=self.env_without,
                                       cpu=CLIENT_CPU)
                        m = rx.search(out)
                        if m is None or int(m.group(2)) != c * e:
                            raise RuntimeError(f"memcslap {test}: unexpected output: {out[-500:]}")
                        res[variant][test].append(c * e / float(m.group(4)))
                    out = self.run([self.prog("kvload"), "127.0.0.1", str(port), "4",
                                    str(self.cfg["kvload_per_conn"])], env=self.env_without,
                                   cpu=CLIENT_CPU)
                    cpu[variant].append((self.proc_cpu_s(servers[variant][0].pid) - c0) * 1e6 /
                                        (2 * c * e + 4 * self.cfg["kvload_per_conn"]))
                    f = out.split()
                    kv = dict(zip(f[0::2], f[1::2]))
                    if kv["misses"] != "0":
                        raise RuntimeError(f"kvload: misses: {out}")
                    res[variant]["kv"].append(float(kv["ops_per_s"]))
                    res[variant]["kv_p99"].append(float(kv["p99_us"]))
        except ServerDied as err:
            self.server_died(err, ["memcached: ops/s", "memcached: p99 latency"],
                             [">= 0.98x", "<= 1.05x"])
            return
        finally:
            for p, _ in servers.values():
                self.stop(p)
        self.raw["memcached"] = dict(res, server_cpu_us_per_request=cpu)
        for key, label in (("get", f"memcached -t 4, memcslap get (-c {c}): ops/s"),
                           ("set", f"memcached -t 4, memcslap set (-c {c}): ops/s"),
                           ("kv", "memcached -t 4, kvload 90% get (4 conns): ops/s")):
            r = [w / o for w, o in zip(res["with"][key], res["without"][key])]
            self.row(label, spread(res["without"][key], 0), spread(res["with"][key], 0),
                     spread(r, 3, "x"), ">= 0.98x", self.verdict(med(r) >= 0.98, r, 0.98))
        r = [w / o for w, o in zip(res["with"]["kv_p99"], res["without"]["kv_p99"])]
        self.row("memcached -t 4, kvload: p99 latency, us", spread(res["without"]["kv_p99"], 0),
                 spread(res["with"]["kv_p99"], 0), spread(r, 3, "x"), "<= 1.05x",
                 self.verdict(med(r) <= 1.05, r, 1.05))
        self.cpu_rows("memcached -t 4, memcslap get+set and kvload", cpu)
        self.notes.append(
            "Servers: pinned to CPU 0, their load generators to CPU 1 (sched_setaffinity), the "
            "same for both variants. 'server CPU time per request' is the server process's "
            "utime+stime (all its threads, the shim's included) over a round divided by the "
            "requests of the round: what the shim costs the server, free of the client's and "
            "the scheduler's noise that moves throughput and p99.")
        self.notes.append(
            "memcslap (libmemcached-tools 1.1.4) reports only the total time of a run, no "
            "latency distribution, so the memcached p99 comes from bench/kvload.c: a closed-loop "
            "client, 4 connections, one request in flight each, 90% get / 10% set of 32-byte "
            "values on 10,000 keys, every request timed.")

    # ------------------------------------------------------------ 4. start-up and memory

    def startup(self):
        out = self.run([self.prog("spawn"), str(self.cfg["spawn_rounds"]),
                        str(self.cfg["spawn_batch"]), self.shim, "/bin/true"],
                       env=self.env_without)
        a, b, c, ca, cb, cc, fa, fb, fc = [], [], [], [], [], [], [], [], []
        for line in out.splitlines():
            f = line.split()
            for lst, i in ((a, 3), (b, 5), (c, 7), (ca, 9), (cb, 11), (cc, 13)):
                lst.append(float(f[i]) / 1000)
            for lst, i in ((fa, 15), (fb, 17), (fc, 19)):
                lst.append(float(f[i]))
        self.raw["startup_ms"] = {"without": a, "with": b, "disabled": c,
                                  "without_cpu": ca, "with_cpu": cb, "disabled_cpu": cc,
                                  "without_faults": fa, "with_faults": fb, "disabled_faults": fc}
        added = [y - x for x, y in zip(a, b)]
        loading = [z - x for x, z in zip(a, c)]
        added_cpu = [y - x for x, y in zip(ca, cb)]
        loading_cpu = [z - x for x, z in zip(ca, cc)]
        self.row("Start-up: /bin/true (posix_spawn+wait), wall ms", spread(a, 3), spread(b, 3),
                 f"{signed_spread(added, 3, ' ms')} (with STALLWATCH_DISABLE=1: "
                 f"{signed(med(loading), 3)})", "<= +1 ms",
                 self.verdict(med(added) <= 1.0, added, 1.0))
        self.row("Start-up: the same runs, CPU time of the child (user+system), ms",
                 spread(ca, 3), spread(cb, 3),
                 f"{signed_spread(added_cpu, 3, ' ms')} (with STALLWATCH_DISABLE=1: "
                 f"{signed(med(loading_cpu), 3)})", "", "")
        # Page faults do not vary between runs, and in a VM each costs 10-15 us: most of what
        # loading the library costs a process that never watches (src/core/large.h).
        added_f = [y - x for x, y in zip(fa, fb)]
        self.row("Start-up: the same runs, page faults of the child", spread(fa, 1),
                 spread(fb, 1), f"{signed_spread(added_f, 1, '')} (with STALLWATCH_DISABLE=1: "
                 f"{signed(med([z - x for x, z in zip(fa, fc)]), 1)})", "", "")

    def forks(self):
        """fork + _exit and fork + exec of /bin/true in a loop, in a process with and without
        the shim preloaded, the two alternating round by round."""
        res = {m: {"without": [], "with": []} for m in ("exit", "exec")}
        for r in range(self.cfg["fork_rounds"]):
            for mode in ("exit", "exec"):
                order = ("without", "with") if r % 2 == 0 else ("with", "without")
                for variant in order:
                    out = self.run([self.prog("forks"), str(self.cfg["fork_n"][mode]), mode],
                                   env=self.env(variant == "with"))
                    res[mode][variant].append(float(out.split()[1]) / 1000)
        self.raw["fork_ms"] = res
        for mode, label, limit in (("exit", "fork + _exit in the child, then wait", 0.05),
                                   ("exec", "fork + exec /bin/true, then wait", 0.35)):
            a, b = res[mode]["without"], res[mode]["with"]
            added = [y - x for x, y in zip(a, b)]
            self.row(f"Fork: {label}, wall ms per fork", spread(a, 3), spread(b, 3),
                     signed_spread(added, 3, " ms"), f"<= +{limit} ms",
                     self.verdict(med(added) <= limit, added, limit))

    GIT_SCRIPT = r"""set -e
cd "$1"
git init -q repo
cd repo
git config user.email bench@localhost
git config user.name bench
for i in $(seq 1 30); do
    echo "line $i" >> file
    git add file
    git commit -q -m "commit $i"
done
git gc -q
git fsck --no-progress
git log --oneline > /dev/null
"""

    def git_sequence(self):
        """git init, 30 commits, gc, fsck and log, with and without the shim: a fork-heavy
        program (every git command spawns several processes)."""
        if shutil.which("git") is None:
            self.row("git sequence", "-", "git is not installed", "-", "", "ERROR")
            return
        res = {"without": [], "with": []}
        for r in range(self.cfg["git_rounds"]):
            order = ("without", "with") if r % 2 == 0 else ("with", "without")
            for variant in order:
                d = tempfile.mkdtemp(dir=self.tmp)
                t0 = time.monotonic()
                subprocess.run(["sh", "-c", self.GIT_SCRIPT, "sh", d], check=True,
                               env=self.env(variant == "with", HOME=d),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                res[variant].append(time.monotonic() - t0)
                shutil.rmtree(d, ignore_errors=True)
        self.raw["git_s"] = res
        ratio = [w / o for w, o in zip(res["with"], res["without"])]
        self.row("git: init, 30 commits, gc, fsck, log; wall s", spread(res["without"], 2),
                 spread(res["with"], 2), spread(ratio, 3, "x"), "<= 1.10x",
                 self.verdict(med(ratio) <= 1.10, ratio, 1.10))

    @staticmethod
    def status_kib(pid):
        v = {}
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, rest = line.partition(":")
                if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    v[k] = int(rest.split()[0])
        return v

    def rss(self):
        res = {"without": [], "with": [], "disabled": []}
        maps = {}
        for _ in range(self.cfg["rss_rounds"]):
            for variant in ("without", "with", "disabled"):
                env = self.env(variant != "without")
                if variant == "disabled":
                    env["STALLWATCH_DISABLE"] = "1"
                p = self.start([self.prog("idle")], env=env, stdout=subprocess.PIPE, text=True)
                p.stdout.readline()
                time.sleep(0.3)
                res[variant].append(self.status_kib(p.pid))
                with open(f"/proc/{p.pid}/maps") as f:
                    maps[variant] = {line.split()[5] for line in f
                                     if len(line.split()) > 5 and ".so" in line.split()[5]}
                self.stop(p)
        self.raw["rss_kib"] = res
        get = {k: {v: [x[k] for x in res[v]] for v in res}
               for k in ("VmRSS", "RssAnon", "RssFile")}
        added = {k: [w - o for w, o in zip(get[k]["with"], get[k]["without"])] for k in get}
        loading = [d - o for d, o in zip(get["VmRSS"]["disabled"], get["VmRSS"]["without"])]
        self.row("Idle process: resident memory (VmRSS), KiB", spread(get["VmRSS"]["without"], 0),
                 spread(get["VmRSS"]["with"], 0),
                 f"{signed_spread(added['VmRSS'], 0, ' KiB')} (with STALLWATCH_DISABLE=1: "
                 f"{signed(med(loading), 0)})", "<= +1024 KiB",
                 self.verdict(med(added["VmRSS"]) <= 1024, added["VmRSS"], 1024))
        self.notes.append(
            f"Idle RSS added: RssAnon {signed(med(added['RssAnon']), 0)} KiB, RssFile "
            f"{signed(med(added['RssFile']), 0)} KiB (medians). RssFile is pages of the shared "
            "objects the shim brings in, shared with other processes: "
            f"{', '.join(sorted(os.path.basename(m) for m in maps['with'] - maps['without']))}.")

    # ------------------------------------------------------------ 5. watchdog CPU

    @staticmethod
    def cpu_ticks(path):
        with open(path) as f:
            s = f.read()
        f = s[s.rindex(")") + 2:].split()
        return int(f[11]) + int(f[12])  # utime + stime (fields 14, 15)

    @staticmethod
    def run_ns(path):
        with open(path) as f:
            return int(f.read().split()[0])

    @staticmethod
    def wakeups(task):
        with open(task + "/status") as f:
            for line in f:
                if line.startswith("voluntary_ctxt_switches:"):
                    return int(line.split()[1])
        return 0

    def watchdog_cpu(self):
        """Processes with IDLE_THREADS threads blocked in pthread_cond_wait, side by side for
        the same seconds: without the shim, with it at default settings, and (a diagnostic)
        with STALLWATCH_DEADLOCK=off, which shows whether the deadlock setting paces the scans
        (it did once: its 1-s default made them every 40 ms; it now paces them at a fifth of
        its time, so the 5-s thresholds set the pace at both settings)."""
        secs = self.cfg["watchdog_s"]
        tck = os.sysconf("SC_CLK_TCK")
        # raw: the same threads waiting in raw futex calls, outside every wrapper, where the
        # kernel fallback samples each one's CPU time and looks at it in /proc once; raw_off:
        # the same with the fallback off (STALLWATCH_KERNEL=0).
        variants = {"without": (self.env(False), []), "with": (self.env(True), []),
                    "deadlock_off": (self.env(True, STALLWATCH_DEADLOCK="off"), []),
                    "raw": (self.env(True), ["raw"]),
                    "raw_off": (self.env(True, STALLWATCH_KERNEL="0"), ["raw"])}
        procs, wd = {}, {}
        try:
            for v, (env, extra) in variants.items():
                procs[v] = self.start([self.prog("idlethreads"), str(IDLE_THREADS)] + extra,
                                      env=env, stdout=subprocess.PIPE, text=True)
            for p in procs.values():
                if p.stdout.readline().strip() != "ready":
                    raise RuntimeError("idlethreads did not start")
            time.sleep(1.0)
            for v in ("with", "deadlock_off", "raw", "raw_off"):
                pid = procs[v].pid
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{tid}/comm") as f:
                        if f.read().strip() == "stallwatch":
                            wd[v] = f"/proc/{pid}/task/{tid}"
                if v not in wd:
                    raise RuntimeError("no thread named stallwatch in the preloaded process")

            def sample():
                return ({v: (self.cpu_ticks(t + "/stat"), self.run_ns(t + "/schedstat"),
                             self.wakeups(t)) for v, t in wd.items()},
                        {v: self.cpu_ticks(f"/proc/{p.pid}/stat") for v, p in procs.items()})
            t0 = time.monotonic()
            wd0, pr0 = sample()
            per_s, last, tl = [], wd0["with"][1], t0
            while time.monotonic() < t0 + secs:
                time.sleep(min(1.0, t0 + secs - time.monotonic()))
                now, ns = time.monotonic(), self.run_ns(wd["with"] + "/schedstat")
                per_s.append((ns - last) / 1e9 / (now - tl) * 100)
                last, tl = ns, now
            wd1, pr1 = sample()
            el = time.monotonic() - t0
        finally:
            for p in procs.values():
                self.stop(p)
        pct_ticks = {v: (wd1[v][0] - wd0[v][0]) / tck / el * 100 for v in wd}
        pct_ns = {v: (wd1[v][1] - wd0[v][1]) / 1e9 / el * 100 for v in wd}
        rate = {v: (wd1[v][2] - wd0[v][2]) / el for v in wd}
        proc_pct = {v: (pr1[v] - pr0[v]) / tck / el * 100 for v in procs}
        self.raw["watchdog"] = dict(seconds=el, watchdog_pct_ticks=pct_ticks,
                                    watchdog_pct_schedstat=pct_ns, wakeups_per_s=rate,
                                    process_pct=proc_pct, watchdog_pct_per_second=per_s)
        # The verdict uses the scheduler's run time (ns, exact); utime+stime count in clock
        # ticks (10 ms: one tick is 0.017% of a 60-s run) and are shown beside it.
        per_wake = {v: (wd1[v][1] - wd0[v][1]) / 1e3 / max(wd1[v][2] - wd0[v][2], 1)
                    for v in wd}
        self.raw["watchdog"]["us_per_wakeup"] = per_wake
        self.row(f"Watchdog CPU, {IDLE_THREADS} idle threads, {el:.0f} s: % of one core "
                 "(thread 'stallwatch', schedstat run time)", "-", f"{pct_ns['with']:.3f}%",
                 f"1-s intervals {spread(per_s, 3, '%')}; utime+stime {pct_ticks['with']:.3f}%; "
                 f"{rate['with']:.1f} wakeups/s, {per_wake['with']:.0f} us each", "<= 0.1%",
                 self.verdict(pct_ns["with"] <= 0.1, per_s, 0.1))
        self.row("Same, whole process CPU (utime+stime), % of one core",
                 f"{proc_pct['without']:.3f}%", f"{proc_pct['with']:.3f}%",
                 f"{signed(proc_pct['with'] - proc_pct['without'], 3)} points")
        self.row("Diagnostic: watchdog CPU as above but with STALLWATCH_DEADLOCK=off "
                 "(same run, side by side)", "-", f"{pct_ns['deadlock_off']:.3f}%",
                 f"utime+stime {pct_ticks['deadlock_off']:.3f}%; "
                 f"{rate['deadlock_off']:.1f} wakeups/s, {per_wake['deadlock_off']:.0f} us each",
                 "", "")
        self.row(f"Watchdog CPU, {IDLE_THREADS} threads idle in raw futex waits (outside every "
                 "wrapper: the kernel fallback samples and looks at each), % of one core",
                 "-", f"{pct_ns['raw']:.3f}%",
                 f"with STALLWATCH_KERNEL=0: {pct_ns['raw_off']:.3f}% (same run); "
                 f"{rate['raw']:.1f} wakeups/s, {per_wake['raw']:.0f} us each", "<= 0.1%",
                 self.verdict(pct_ns["raw"] <= 0.1))

    # ------------------------------------------------------------ 6, 7. detection, report latency

    @staticmethod
    def iso_ms(s):
        # "2026-11-27T07:14:52.246Z" -> ns since the epoch (UTC)
        dt = datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
        return int((dt - datetime(1970, 1, 1)).total_seconds() * 1000) * 1000000

    def stall_run(self, count):
        """Runs bench/stalls under the shim with reports to a file watched by tailwatch.
        Returns one (start_ns, time_ns, written_ns, report_no) per stall, from the "stall"
        reports (other events, such as a later "recovered", are not counted)."""
        path = os.path.join(self.tmp, f"reports-{time.monotonic_ns()}.jsonl")
        open(path, "w").close()
        timeout = int(count * (HOLD_MS + GAP_MS) / 1000) + 30
        # tailwatch writes to a file, not a pipe: a full pipe would block it (and delay the
        # timestamps) while this script waits for the stalls program.
        seen_path = path + ".seen"
        with open(seen_path, "w") as seen_f:
            tw = self.start([self.prog("tailwatch"), path, "1000000", str(timeout)],
                            stdout=seen_f)
        for _ in range(500):
            with open(seen_path) as f:
                if f.readline() == "ready\n":
                    break
            time.sleep(0.01)
        else:
            raise RuntimeError("tailwatch did not start")
        # RATE=off: no rate limit may ever withhold one of the reports being timed.
        env = self.env(True, STALLWATCH_FORMAT="json", STALLWATCH_OUTPUT=f"file:{path}",
                       STALLWATCH_LOCK=f"{int(LOCK_THRESHOLD_S * 1000)}ms", STALLWATCH_RATE="off")
        out = self.run([self.prog("stalls"), str(count), str(HOLD_MS), str(GAP_MS)], env=env,
                       timeout=timeout)
        time.sleep(0.5)
        self.stop(tw)
        with open(seen_path) as f:
            seen = f.read().split("\n", 1)[1]
        stalls = []
        for line in out.splitlines():
            f = line.split()
            stalls.append((int(f[3]), int(f[5])))
        reports = []
        for line in seen.splitlines():
            ts, _, js = line.partition(" ")
            r = json.loads(js)
            if r.get("event") != "stall":
                continue
            t0 = r["threads"][0]
            reports.append((int(ts), self.iso_ms(r["time"]), r["report"], t0.get("name"),
                            t0.get("call")))
        reports.sort(key=lambda x: x[2])
        if len(reports) != count:
            raise RuntimeError(f"{count} stalls but {len(reports)} stall reports")
        res = []
        for (start, end), (written, t, no, name, call) in zip(stalls, reports):
            # 'time' is truncated to the millisecond: allow it 1 ms before the start.
            if not (start <= t + 1000000 and t <= end) or name != "staller" \
                    or call != "pthread_mutex_lock":
                raise RuntimeError(f"report {no} ({name} {call}, time {t}) does not match stall "
                                   f"[{start}, {end}]")
            res.append((start, t, written, no))
        os.unlink(path)
        os.unlink(seen_path)
        return res

    def symbolizer_pids(self):
        """The running symbolizers started from the shim's own copy of the program."""
        path = os.path.join(os.path.dirname(self.shim), "stallwatch-symbolizer")
        pids = []
        for pid in os.listdir("/proc"):
            try:
                if pid.isdigit() and os.readlink(f"/proc/{pid}/exe") == path:
                    pids.append(int(pid))
            except OSError:
                pass
        return pids

    def kill_symbolizers(self):
        for pid in self.symbolizer_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)

    def latency(self):
        n = self.cfg["stalls"]
        # A cold report starts the symbolizer program too: none may be running before it.
        self.kill_symbolizers()
        main = self.stall_run(n)
        cold = [main[0]]
        for _ in range(self.cfg["cold_runs"]):
            self.kill_symbolizers()
            cold += self.stall_run(1)
        warm = main[1:]
        detect = [(t - s) / 1e6 for s, t, w, _ in main]
        written = [(w - s) / 1e6 for s, t, w, _ in main]
        rep_cold = [(w - t) / 1e6 for s, t, w, _ in cold]
        rep_warm = [(w - t) / 1e6 for s, t, w, _ in warm]
        self.raw["latency_ms"] = dict(detect=detect, written=written, report_cold=rep_cold,
                                      report_warm=rep_warm)
        bound = LOCK_THRESHOLD_S * 1.1 * 1000 + 100
        self.row(f"Detection latency, {n} stalls, STALLWATCH_LOCK={LOCK_THRESHOLD_S:g}s: stall "
                 "start -> report 'time', ms (median / p90 / max)", "-", dist(detect, 0),
                 f"max - threshold: {signed(max(detect) - LOCK_THRESHOLD_S * 1000, 0)} ms",
                 f"max <= {bound:.0f} ms", self.verdict(max(detect) <= bound))
        self.row("Detection latency: stall start -> report line in the file, ms "
                 "(median / p90 / max)", "-", dist(written, 0),
                 f"max - threshold: {signed(max(written) - LOCK_THRESHOLD_S * 1000, 0)} ms",
                 f"max <= {bound:.0f} ms", self.verdict(max(written) <= bound))
        self.row(f"Report latency, first report of a process, the symbolizer started for it "
                 f"(cold), {len(rep_cold)} processes: 'time' -> line written, ms "
                 "(median / p90 / max)", "-", dist(rep_cold, 1), "",
                 "median <= 60 ms", self.verdict(med(rep_cold) <= 60))
        self.row(f"Report latency, later reports (warm), {len(rep_warm)} reports: 'time' -> line "
                 "written, ms (median / p90 / max)", "-", dist(rep_warm, 1), "",
                 "median <= 5 ms", self.verdict(med(rep_warm) <= 5))
        self.notes.append(
            "Latencies: the stall start is CLOCK_REALTIME read by the stalling thread just before "
            "pthread_mutex_lock; 'time' is the report's detection time (whole milliseconds, "
            "truncated, so 'time' -> written reads up to 1 ms high); 'written' is when "
            "bench/tailwatch.c (inotify) saw the complete line in STALLWATCH_OUTPUT=file:..., "
            "STALLWATCH_FORMAT=json.")

    # ------------------------------------------------------------ the symbolizer program

    @staticmethod
    def smaps_kib(pid, key):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def wait_report_lines(self, path, n, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(path) as f:
                    if f.read().count("\n") >= n:
                        return True
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        return False

    def symbolizer(self):
        """What a report costs the program now that stacks are unwound and named by the
        symbolizer program: the deadlocked program's memory after its report (and the
        symbolizer's own beside it), eu-stack on processes that have reported, and 100
        processes deadlocking at once."""
        rss = {"without": [], "with": [], "sym": []}
        for _ in range(self.cfg["sym_rounds"]):
            self.kill_symbolizers()
            p = self.start([self.prog("deadlock")], env=self.env_without,
                           stdout=subprocess.DEVNULL)
            time.sleep(1.5)
            rss["without"].append(self.status_kib(p.pid)["VmRSS"])
            self.stop(p)
            path = os.path.join(self.tmp, f"dl-{time.monotonic_ns()}.jsonl")
            env = self.env(True, STALLWATCH_LOCK="500ms", STALLWATCH_OUTPUT=f"file:{path}",
                           STALLWATCH_FORMAT="json")
            p = self.start([self.prog("deadlock")], env=env, stdout=subprocess.DEVNULL)
            ok = self.wait_report_lines(path, 1, 20)
            time.sleep(0.3)
            rss["with"].append(self.status_kib(p.pid)["VmRSS"] if ok else float("nan"))
            rss["sym"].append(sum(self.status_kib(q)["VmRSS"] for q in self.symbolizer_pids()))
            self.stop(p)
        added = [w - o for w, o in zip(rss["with"], rss["without"])]
        self.raw["after_report_rss_kib"] = rss
        self.row("Deadlocked two-thread program after its report: resident memory (VmRSS), KiB",
                 spread(rss["without"], 0), spread(rss["with"], 0),
                 f"{signed_spread(added, 0, ' KiB')} (the symbolizer program's own: "
                 f"{num(med(rss['sym']), 0)} KiB)", "<= +1024 KiB",
                 self.verdict(med(added) <= 1024, added, 1024))
        self.eustack_after_reports()
        self.many_at_once()

    def eustack_after_reports(self):
        n = self.cfg["eustack_procs"]
        procs, paths = [], []
        for i in range(n):
            path = os.path.join(self.tmp, f"eu-{i}-{time.monotonic_ns()}.jsonl")
            env = self.env(True, STALLWATCH_LOCK="300ms", STALLWATCH_OUTPUT=f"file:{path}",
                           STALLWATCH_FORMAT="json")
            procs.append(self.start([self.prog("deadlock")], env=env, stdout=subprocess.DEVNULL))
            paths.append(path)
        ok = 0
        try:
            for p, path in zip(procs, paths):
                if not self.wait_report_lines(path, 1, 30):
                    continue
                r = subprocess.run(["eu-stack", "-p", str(p.pid)], capture_output=True,
                                   text=True, timeout=60)
                ok += r.returncode == 0 and "deadlock_worker" in r.stdout
        finally:
            for p in procs:
                self.stop(p)
        self.row(f"`eu-stack -p` on processes that have reported: succeeded", "-",
                 f"{ok} of {n}", "", f"{n} of {n}", self.verdict(ok == n))

    def many_at_once(self):
        """n processes of one program deadlocking at the same moment (a fresh symbolizer):
        how long until every report is written and symbolized, and the memory all of them add
        (proportional set sizes, so shared pages count once), the symbolizer's included."""
        n = self.cfg["many"]
        self.kill_symbolizers()
        base = [self.start([self.prog("deadlock")], env=self.env_without,
                           stdout=subprocess.DEVNULL) for _ in range(n)]
        time.sleep(2)
        pss_without = sum(self.smaps_kib(p.pid, "Pss") for p in base)
        for p in base:
            self.stop(p)
        procs, paths = [], []
        t0 = time.monotonic()
        for i in range(n):
            path = os.path.join(self.tmp, f"many-{i}-{time.monotonic_ns()}.jsonl")
            env = self.env(True, STALLWATCH_LOCK="1s", STALLWATCH_OUTPUT=f"file:{path}",
                           STALLWATCH_FORMAT="json", STALLWATCH_SYMBOLIZE_TIMEOUT="10s")
            procs.append(self.start([self.prog("deadlock")], env=env, stdout=subprocess.DEVNULL))
            paths.append(path)
        symbolized, last = 0, 0.0
        try:
            for path in paths:
                if self.wait_report_lines(path, 1, 60):
                    last = max(last, os.stat(path).st_mtime)
                    with open(path) as f:
                        r = json.loads(f.readline())
                    symbolized += any(fr.get("function") == "deadlock_worker"
                                      for t in r["threads"] for fr in t["frames"])
            time.sleep(0.3)
            pss_with = sum(self.smaps_kib(p.pid, "Pss") for p in procs)
            pss_sym = sum(self.smaps_kib(q, "Pss") for q in self.symbolizer_pids())
        finally:
            for p in procs:
                self.stop(p)
        spent = last - (time.time() - (time.monotonic() - t0)) - 1.0 if last else float("nan")
        added_mib = (pss_with + pss_sym - pss_without) / 1024
        self.raw["many_at_once"] = dict(n=n, symbolized=symbolized, seconds_after_threshold=spent,
                                        pss_without_kib=pss_without, pss_with_kib=pss_with,
                                        pss_symbolizer_kib=pss_sym)
        self.row(f"{n} processes deadlocking at once (STALLWATCH_LOCK=1s): reports symbolized; "
                 "last report written, s after the threshold", "-",
                 f"{symbolized} of {n}; {num(spent, 1)} s", "", f"{n} of {n} within 10 s",
                 self.verdict(symbolized == n and spent <= 10))
        self.row(f"{n} processes deadlocking at once: memory added (Pss of every process and of "
                 "the symbolizer), MiB", f"{num(pss_without / 1024, 1)}",
                 f"{num((pss_with + pss_sym) / 1024, 1)} (symbolizer: "
                 f"{num(pss_sym / 1024, 1)})", f"{signed(added_mib, 1)} MiB", "<= +100 MiB",
                 self.verdict(added_mib <= 100))

    def eustack(self):
        p = self.start([self.prog("stalls"), "hold", "300"], env=self.env_without,
                       stdout=subprocess.PIPE, text=True)
        try:
            pid = int(p.stdout.readline().split()[1])
            time.sleep(0.2)
            res = {"plain": [], "source": []}
            for _ in range(self.cfg["eustack_runs"]):
                for kind, cmd in (("plain", ["eu-stack", "-p", str(pid)]),
                                  ("source", ["eu-stack", "-s", "-p", str(pid)])):
                    t0 = time.perf_counter()
                    out = self.run(cmd)
                    res[kind].append((time.perf_counter() - t0) * 1000)
                    if "__pthread_mutex_lock" not in out and "pthread_mutex_lock" not in out:
                        raise RuntimeError(f"eu-stack did not see the stalled thread: {out}")
        finally:
            self.stop(p)
        self.raw["eustack_ms"] = res
        self.row("Reference: `eu-stack -p PID` on the same stalled program (no shim), wall ms",
                 spread(res["plain"], 1), "-", "", "", "")
        self.row("Reference: `eu-stack -s -p PID` (with source lines, as the reports), wall ms",
                 spread(res["source"], 1), "-", "", "", "")

    # ------------------------------------------------------------ table

    def machine(self):
        if getattr(self, "_machine", None):
            return self._machine
        info = {}
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                info.setdefault(k.strip(), v.strip())
        cpu = (f"{info.get('model name', '?')} (family {info.get('cpu family', '?')}, model "
               f"{info.get('model', '?')})")
        cpu += f" x {os.cpu_count()} CPUs"
        if "hypervisor" in info.get("flags", "").split():
            cpu += " (virtual machine)"
        pkgs = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}, ",
                               "redis-server", "memcached", "libmemcached-tools", "valgrind",
                               "libdw1", "libc6-dbg"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True).stdout.strip(", ")
        glibc = " ".join(platform.libc_ver())
        gcc = subprocess.run(["gcc", "--version"], stdout=subprocess.PIPE, text=True).stdout
        gcc = gcc.splitlines()[0] if gcc else "?"
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        git = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--", "src",
                                "CMakeLists.txt"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True).stdout.splitlines()
        rev = git.stdout.strip() or "?"
        if dirty:
            rev += f" + uncommitted changes to {len(dirty)} files in src/"
        self._machine = (f"CPU: {cpu}; kernel {platform.release()}; {glibc}; "
                         f"{gcc}; packages: {pkgs}; shim built from {rev}; "
                         f"mode: {'quick' if self.args.quick else 'full'}")
        return self._machine

    def table(self):
        head = ("figure", "without shim", "with shim", "with/without or added", "target",
                "verdict")
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in self.rows:
            lines.append("| " + " | ".join(r) + " |")
        return "\n".join(lines)


    # ------------------------------------------------------------ stallwatch dump and watch

    def attach(self):
        """How long `stallwatch dump` holds a process of DUMP_THREADS threads still (the
        command's own measure: from its first PTRACE_INTERRUPT to its last PTRACE_DETACH), the
        whole dump's wall time beside it, and what `stallwatch watch` costs on a process of
        IDLE_THREADS idle threads: its own CPU (schedstat run time) and the watched process's
        CPU over the same seconds."""
        cli = os.path.join(os.path.dirname(self.shim), "stallwatch")
        env = self.env(False)
        p = self.start([self.prog("idlethreads"), str(DUMP_THREADS)], env=env,
                       stdout=subprocess.PIPE, text=True)
        holds, walls = [], []
        try:
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("idlethreads did not start")
            for _ in range(self.cfg["dump_rounds"]):
                t0 = time.monotonic()
                r = subprocess.run([cli, "dump", "--format", "json", str(p.pid)],
                                   env=dict(env, SW_TEST_HELD="1"), capture_output=True,
                                   text=True, timeout=300)
                walls.append((time.monotonic() - t0) * 1000)
                m = re.search(r"held (\d+) of (\d+) threads for ([\d.]+) ms", r.stderr)
                if r.returncode != 0 or not m or int(m.group(1)) != DUMP_THREADS + 1:
                    raise RuntimeError(f"dump failed ({r.returncode}): {r.stderr[-500:]}")
                holds.append(float(m.group(3)))
        finally:
            self.stop(p)
        self.raw["dump"] = dict(threads=DUMP_THREADS + 1, hold_ms=holds, wall_ms=walls)
        self.row(f"stallwatch dump: a process of {DUMP_THREADS + 1} threads held still "
                 "(first interrupt to last detach), ms", "-", spread(holds, 2, " ms"),
                 f"whole dump (unwinding and naming after the hold) {spread(walls, 0, ' ms')}",
                 "< 5 ms", self.verdict(med(holds) < 5, holds, 5))
        secs = self.cfg["watch_s"]
        tck = os.sysconf("SC_CLK_TCK")
        p = self.start([self.prog("idlethreads"), str(IDLE_THREADS)], env=env,
                       stdout=subprocess.PIPE, text=True)
        try:
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("idlethreads did not start")
            w = self.start([cli, "watch", str(p.pid)], env=env, stdout=subprocess.DEVNULL)
            time.sleep(3.0)  # its first looks open a descriptor per thread
            if w.poll() is not None:
                raise RuntimeError(f"watch ended with {w.returncode}")
            t0 = time.monotonic()
            w0, p0 = self.run_ns(f"/proc/{w.pid}/schedstat"), self.cpu_ticks(f"/proc/{p.pid}/stat")
            time.sleep(secs)
            w1, p1 = self.run_ns(f"/proc/{w.pid}/schedstat"), self.cpu_ticks(f"/proc/{p.pid}/stat")
            el = time.monotonic() - t0
            self.stop(w)
        finally:
            self.stop(p)
        pct = (w1 - w0) / 1e9 / el * 100
        proc_pct = (p1 - p0) / tck / el * 100
        self.raw["watch"] = dict(seconds=el, watcher_pct=pct, process_pct=proc_pct)
        self.row(f"stallwatch watch: the watcher's CPU on a process of {IDLE_THREADS} idle "
                 f"threads, {el:.0f} s, % of one core (schedstat run time)", "-", f"{pct:.3f}%",
                 f"the watched process meanwhile: {proc_pct:.3f}% (utime+stime); at the "
                 "default 5-s threshold every thread is looked at every 2.5 s", "<= 0.5%",
                 self.verdict(pct <= 0.5))

    # ------------------------------------------------------------ stallwatch triage

    @staticmethod
    def triage_lines():
        """A fleet's mix of report lines, as the shim writes them: per hang, a stall with two
        threads of 12 frames each, two still-stalled and a recovered; 1,000 distinct
        fingerprints on 50 hosts."""
        frame = ('{"pc":"0x7f0de84a4129","module":"/usr/lib/x86_64-linux-gnu/libc.so.6",'
                 '"offset":"0x86129","build_id":"93ac61ec5a8eb1396f9fbd350e3169a558528a40",'
                 '"function":"%s","file":"./nptl/lowlevellock.c","line":49}')
        frames = ",".join(frame % f for f in ["futex_wait", "__lll_lock_wait",
                                              "___pthread_mutex_lock", "take_lock",
                                              "serve_request", "worker_main", "start_thread",
                                              "__clone3", "a", "b", "c", "d"])
        head = ('{"event":"%s","report":%d,"pid":4242,"process":"server","host":"node%02d",'
                '"time":"2026-12-04T10:00:%02d.000Z","fingerprint":"%016x",')
        thread = ('{"tid":%d,"name":"worker","call":"pthread_mutex_lock","class":"lock",'
                  '"waited_ms":%d,"object":"0x55ca01ee70a0","owner_tid":4300,"state":"S",'
                  '"wchan":"futex_do_wait","capture":"signal","frames":[' + frames + ']}')
        out = []
        for k in range(1000):
            fp = k * 2654435761 + 1
            host = k % 50
            out.append(head % ("stall", 1, host, k % 60, fp) + '"threads":[' +
                       thread % (4243, 5000) + "," + thread % (4300, 9000) + "]}\n")
            out.append(head % ("still-stalled", 2, host, k % 60, fp) + '"stall_report":1,'
                       '"threads":[' + thread % (4243, 65000) + "]}\n")
            out.append(head % ("still-stalled", 3, host, k % 60, fp) + '"stall_report":1,'
                       '"threads":[' + thread % (4243, 125000) + "]}\n")
            out.append(head % ("recovered", 4, host, k % 60, fp) + '"stall_report":1,'
                       '"threads":[{"tid":4243,"name":"worker","call":"pthread_mutex_lock",'
                       '"class":"lock","waited_ms":130000}]}\n')
        return out

    def triage(self):
        """`stallwatch triage --format json -` on TRIAGE_LINES report lines fed through a pipe
        (a mix of stalls with frames, repeats and recoveries): wall time, and the command's
        peak memory (VmHWM), which must stay bounded by the number of groups."""
        cli = os.path.join(os.path.dirname(self.shim), "stallwatch")
        n = self.cfg["triage_lines"]
        lines = self.triage_lines()
        block = "".join(lines).encode()
        reps = n // len(lines)
        total_bytes = len(block) * reps
        walls, peaks = [], []
        for _ in range(self.cfg["triage_rounds"]):
            t0 = time.monotonic()
            p = subprocess.Popen(["/usr/bin/time", "-f", "%M", cli, "triage", "--format",
                                  "json", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            try:
                for _ in range(reps):
                    p.stdin.write(block)
                p.stdin.close()
            except BrokenPipeError:
                pass
            # It writes only once its input has ended: reading after the writes cannot block.
            out, err = p.stdout.read(), p.stderr.read()
            p.wait(timeout=600)
            walls.append(time.monotonic() - t0)
            if p.returncode != 0:
                raise RuntimeError(f"triage failed: {err[-500:]}")
            peaks.append(int(err.decode().strip().splitlines()[-1]))
            res = json.loads(out)
            if len(res["groups"]) != 1000 or res["reports"] != reps * len(lines):
                raise RuntimeError(f"triage read {res['reports']} reports into "
                                   f"{len(res['groups'])} groups")
        self.raw["triage"] = dict(lines=reps * len(lines), bytes=total_bytes, wall_s=walls,
                                  peak_kib=peaks)
        self.row(f"stallwatch triage: {reps * len(lines):,} report lines "
                 f"({total_bytes / 2**20:,.0f} MiB, 1,000 groups) through a pipe, wall s",
                 "-", spread(walls, 2, " s"),
                 f"peak memory {spread(peaks, 0, ' KiB')}", "< 10 s",
                 self.verdict(med(walls) < 10, walls, 10))


    def mpi(self):
        """MPI_Barrier of two ranks (Open MPI, shared memory, mpirun --oversubscribe), with and
        without the shim in every rank, interleaved: time per barrier. The shim's wrapper adds
        a table probe and an atomic increment to each collective."""
        prog = os.path.join(self.bin, "mpibarrier")
        n = self.cfg["mpi_barriers"]
        res = {"without": [], "with": []}
        for _ in range(self.cfg["mpi_rounds"]):
            for mode in ("without", "with"):
                env = dict(os.environ)
                env.pop("LD_PRELOAD", None)
                args = ["mpirun", "--oversubscribe", "--allow-run-as-root", "-np", "2"]
                if mode == "with":
                    env["LD_PRELOAD"] = self.shim
                    env["STALLWATCH_OUTPUT"] = "file:" + os.path.join(self.tmp, "mpi-reports")
                    args += ["-x", "LD_PRELOAD", "-x", "STALLWATCH_OUTPUT"]
                out = subprocess.run(args + [prog, str(n)], env=env, capture_output=True,
                                     text=True, timeout=300)
                m = re.search(r"ns_per_barrier (\d+)", out.stdout)
                if out.returncode != 0 or m is None:
                    raise RuntimeError(f"mpibarrier failed: {out.stderr[-300:]}")
                res[mode].append(int(m.group(1)))
        self.raw["mpi"] = res
        self.row(f"MPI_Barrier, 2 ranks (Open MPI, shared memory), ns per barrier over {n:,}",
                 spread(res["without"], 0, " ns"), spread(res["with"], 0, " ns"),
                 f"{med(res['with']) / med(res['without']):.3f}x", "-", "")


SECTIONS = ("instructions", "nanoseconds", "contended", "redis", "memcached", "serverinstr",
            "startup", "forks", "git", "rss",
            "watchdog", "latency", "symbolizer", "eustack", "attach", "triage", "mpi")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shim", required=True, help="path of libstallwatch.so")
    ap.add_argument("--bin", required=True, help="directory of the built bench/ programs")
    ap.add_argument("--quick", action="store_true", help="smoke run: fewer rounds, shorter loads")
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help="comma list of sections to run: " + ",".join(SECTIONS))
    ap.add_argument("--out", default=None, help="directory for table.md and results.json")
    args = ap.parse_args()
    only = args.only.split(",")
    for s in only:
        if s not in SECTIONS:
            ap.error(f"unknown section {s}")
    b = Bench(args)
    b.machine()  # the source state now, close to when scripts/bench built the shim
    with open("/proc/loadavg") as f:
        load_start = " ".join(f.read().split()[:3])
    t_start = time.monotonic()
    steps = {
        "instructions": b.hot_instructions,
        "nanoseconds": b.hot_nanoseconds,
        "contended": b.contended,
        "redis": b.redis,
        "memcached": b.memcached,
        "serverinstr": b.server_instructions,
        "startup": b.startup,
        "forks": b.forks,
        "git": b.git_sequence,
        "rss": b.rss,
        "watchdog": b.watchdog_cpu,
        "latency": b.latency,
        "symbolizer": b.symbolizer,
        "eustack": b.eustack,
        "attach": b.attach,
        "triage": b.triage,
        "mpi": b.mpi,
    }
    try:
        for name in SECTIONS:
            if name in only:
                b.log(f"{name} ...")
                t0 = time.monotonic()
                try:
                    steps[name]()
                except Exception as e:  # one broken section must not hide the others
                    b.log(f"{name} FAILED: {e}")
                    b.row(f"{name}: the measurement failed", "-", str(e).replace("|", "/")[:300],
                          "-", "", "ERROR")
                    b.cleanup()
                b.log(f"{name} done in {time.monotonic() - t0:.0f} s")
    finally:
        b.cleanup()
        shutil.rmtree(b.tmp, ignore_errors=True)
    total = time.monotonic() - t_start
    with open("/proc/loadavg") as f:
        load_end = " ".join(f.read().split()[:3])
    text = "\n".join([
        b.machine(),
        f"load average (1, 5, 15 min) at start: {load_start}; at end: {load_end} (other work "
        "on the machine during the run adds noise)",
        f"shim: {args.shim}; every cell is median [min..max] over interleaved rounds unless it "
        "says otherwise; ratios and added values are the median [min..max] of the per-round "
        f"ones (with_i / without_i, with_i - without_i); total bench time {total:.0f} s",
        "",
        b.table(),
        "",
    ] + [f"- {n}" for n in b.notes])
    print(text)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "table.md"), "w") as f:
            f.write(text + "\n")
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump(dict(machine=b.machine(), rows=b.rows, notes=b.notes, raw=b.raw,
                           seconds=total), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
