"""Integration tests of `stallwatch dump PID` and `stallwatch watch PID`: programs started
without the shim, looked at from outside. Deadlocks and owners as the shim reports them,
stacks as eu-stack gives them, the process left exactly as it was (running, untraced, no
EINTR), and the clear failures (ptrace refused, no such process, a process that exits
mid-dump). Collected by run.py with the tests in it."""

import json
import os
import re
import signal
import subprocess
import time

from harness import Failure, abba_expectations, check, functions, parse_eu_stack


class Target:
    """A test program started without the shim, its stdout read line by line."""

    def __init__(self, shim, argv, ready=None, user=None):
        cmd = [shim.prog(argv[0])] + list(argv[1:])
        if user is not None:
            cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"] + cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=clean_env())
        self.first = self.proc.stdout.readline()
        if ready is not None:
            check(ready in self.first, "the program did not start: %r" % self.first)

    @property
    def pid(self):
        return self.proc.pid

    def status(self, key):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split(":", 1)[1].strip()
        return None

    def finish(self, timeout=30):
        out, err = self.proc.communicate(timeout=timeout)
        return self.first + out, err

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()


def clean_env():
    return {k: v for k, v in os.environ.items()
            if not k.startswith("STALLWATCH_") and k != "LD_PRELOAD"}


def dump(shim, pid, *options, env=None, timeout=60):
    e = clean_env()
    e.update(env or {})
    p = subprocess.run([shim.cli, "dump", "--format", "json"] + list(options) + [str(pid)],
                       capture_output=True, text=True, env=e, timeout=timeout)
    reports = []
    for line in p.stdout.splitlines():
        try:
            reports.append(json.loads(line))
        except ValueError:
            raise Failure("not a JSON report: %r\n%s" % (line, p.stderr))
    return p, reports


def dump_threads(shim, pid, what, env=None):
    """dump, checked to have succeeded with a dump event last: the command and its threads."""
    p, reports = dump(shim, pid, env=env)
    check(p.returncode == 0 and reports and reports[-1]["event"] == "dump",
          "%s: dump failed: %s" % (what, p.stderr))
    return p, reports[-1]["threads"]


def untouched(target):
    """The target runs on, unstopped and untraced."""
    state = target.status("State")
    check(state is not None and state[0] in "SRD", "the process was left %r" % state)
    check(target.status("TracerPid") == "0", "the process was left traced by %s"
          % target.status("TracerPid"))


def test_dump_reports_a_deadlock_of_a_program_without_the_shim(shim):
    """abba deadlocked, started without the shim: `dump` writes a deadlock event first (both
    workers, each the other's owner, the mutexes as objects), then the dump of every thread;
    the program's frames are the ones eu-stack -i -s prints; twice in a row; the process still
    running, unstopped and untraced after each."""
    t = Target(shim, ["abba"], ready="abba: mutex")
    try:
        time.sleep(0.5)
        expect = abba_expectations(t.first)
        for attempt in range(2):
            p, reports = dump(shim, t.pid)
            check(p.returncode == 0, "dump failed: %s" % p.stderr)
            check([r["event"] for r in reports] == ["deadlock", "dump"],
                  "events %s" % [r["event"] for r in reports], p.stdout)
            check(all(r.get("attached") is True and r["pid"] == t.pid for r in reports),
                  "not marked attached", p.stdout)
            dl = reports[0]["threads"]
            names = {x["name"]: x for x in dl}
            check(sorted(names) == ["worker-a", "worker-b"], "members %s" % sorted(names),
                  p.stdout)
            a, b = names["worker-a"], names["worker-b"]
            check(a["owner_tid"] == b["tid"] and b["owner_tid"] == a["tid"],
                  "owners are not each other", p.stdout)
            for name, (fn, addr, line) in expect.items():
                x = names[name]
                check((x["call"], x["class"], x["object"]) == ("pthread_mutex_lock", "lock",
                                                                 addr),
                      "%s: %s %s %s" % (name, x["call"], x["class"], x["object"]), p.stdout)
                check(fn in functions(x), "%s: %s not in %s" % (name, fn, functions(x)))
                f = [f for f in x["frames"] if f.get("function") == fn][0]
                check(f.get("line") == line, "%s: %s at line %s, not %s"
                      % (name, fn, f.get("line"), line))
            everyone = reports[1]["threads"]
            check(len(everyone) == 3, "%d threads in the dump" % len(everyone), p.stdout)
            main = [x for x in everyone if x["tid"] == t.pid][0]
            check(main["call"] == "pthread_join" and main.get("owner_tid") in (a["tid"], b["tid"]),
                  "the main thread's join: %s owner %s" % (main["call"], main.get("owner_tid")))
            untouched(t)
        eu = subprocess.run(["eu-stack", "-i", "-s", "-m", "-p", str(t.pid)],
                            capture_output=True, text=True)
        prog = shim.prog("abba")
        stacks = parse_eu_stack(eu.stdout, prog)
        compared = 0
        for x in reports[1]["threads"]:
            ours = [(f.get("function"), f.get("file"), f.get("line")) for f in x["frames"]
                    if f.get("module") == prog]
            check(ours == stacks.get(x["tid"]), "thread %d differs:\nours %s\neu-stack %s"
                  % (x["tid"], ours, stacks.get(x["tid"])))
            compared += len(ours)
        check(compared >= 5, "too few frames compared", eu.stdout)
    finally:
        t.kill()


def test_dump_holds_a_process_of_24_threads_briefly_and_lets_it_run_on(shim):
    """A 24-thread process whose ticker thread watches the clock: the dump stops every thread
    (none is in a call a stop would interrupt), the ticker sees the hold as one gap no longer
    than the dump's own measure allows, and the program runs to its normal end."""
    t = Target(shim, ["clock_loop", "24", "3"], ready="ready")
    try:
        time.sleep(0.3)
        p, reports = dump(shim, t.pid, env={"SW_TEST_HELD": "1"})
        check(p.returncode == 0, "dump failed: %s" % p.stderr)
        m = re.search(r"held (\d+) of (\d+) threads for ([\d.]+) ms", p.stderr)
        check(m, "no hold measure", p.stderr)
        held, total, ms = int(m.group(1)), int(m.group(2)), float(m.group(3))
        check(total == 24 and held == 24, "held %d of %d" % (held, total))
        ticker = [x for x in reports[-1]["threads"] if x["name"] == "ticker"]
        check(ticker and "ticker" in functions(ticker[0]), "the ticker's stack", p.stdout)
        out, err = t.finish()
        g = re.search(r"max_gap_us=(\d+)", out)
        check(t.proc.returncode == 0 and g, "the program did not end normally: %r %r"
              % (out, err))
        # The ticker's longest gap includes the hold; a hold far longer than measured would
        # show here (the bench measures the figure itself).
        check(int(g.group(1)) < 1000000, "the ticker stood still %s us" % g.group(1))
        check(ms < 1000, "held for %.1f ms" % ms)
    finally:
        t.kill()


def test_dump_never_makes_a_blocked_call_return_eintr(shim):
    """Threads in epoll_wait, semop, sigtimedwait and recv with a timeout (each retries and
    counts EINTR): eu-stack's stop makes each of them see EINTR; the dump, which reads those
    threads without stopping them, makes none — and still has their stacks."""
    t = Target(shim, ["eintr_count", "3"], ready="ready")
    try:
        p, reports = dump(shim, t.pid)
        check(p.returncode == 0, "dump failed: %s" % p.stderr)
        calls = {x["call"] for x in reports[-1]["threads"]}
        check({"epoll_wait", "sigtimedwait", "recv"} <= calls, "calls %s" % calls, p.stdout)
        for x in reports[-1]["threads"]:
            if x["call"] in ("epoll_wait", "recv"):
                check(x.get("capture") == "proc", "%s was stopped" % x["call"], p.stdout)
                check(any(f in functions(x) for f in ("epoll_thread", "recv_thread")),
                      "no program frame: %s" % functions(x), p.stdout)
        out, err = t.finish()
        check("eintr epoll=0 semop=0 sigtimedwait=0 recv=0" in out,
              "the program saw EINTR: %r" % out)
    finally:
        t.kill()
    # The control: the same program under eu-stack does see EINTR, so the check above can fail.
    t = Target(shim, ["eintr_count", "2"], ready="ready")
    try:
        subprocess.run(["eu-stack", "-p", str(t.pid)], capture_output=True, timeout=60)
        out, err = t.finish()
        check("eintr epoll=0 semop=0 sigtimedwait=0 recv=0" not in out,
              "eu-stack caused no EINTR either: the control does not work: %r" % out)
    finally:
        t.kill()


def test_a_call_entered_after_the_look_is_started_again_not_interrupted(shim):
    """The same threads, each stopped as if it had entered its call between the dump's look
    and its interrupt (SW_TEST_STOP_ALL): the stop interrupts their calls with EINTR, and the
    dump starts each call again, so the program still sees none; their stacks come from the
    stop."""
    t = Target(shim, ["eintr_count", "3"], ready="ready")
    try:
        env = clean_env()
        env["SW_TEST_STOP_ALL"] = "1"
        p, reports = dump(shim, t.pid, env=env)
        check(p.returncode == 0, "dump failed: %s" % p.stderr)
        stopped = [x for x in reports[-1]["threads"]
                   if x["call"] in ("epoll_wait", "recv", "sigtimedwait")]
        check(len(stopped) == 3 and all(x.get("capture") == "ptrace" for x in stopped),
              "not every thread was stopped: %s" % [(x["call"], x.get("capture")) for x in stopped],
              p.stdout)
        out, err = t.finish()
        check("eintr epoll=0 semop=0 sigtimedwait=0 recv=0" in out,
              "the program saw EINTR: %r" % out)
    finally:
        t.kill()


def test_a_signal_that_comes_while_a_restarted_call_is_held_still_interrupts_it(shim):
    """Found by a review: epoll_signal waits in epoll_wait with a SIGUSR1 handler (no
    SA_RESTART); the dump stops it (SW_TEST_STOP_ALL) and holds it 1 s (SW_TEST_HOLD_MS), and
    SIGUSR1 comes during the hold: the program must get its EINTR (the call is made to restart
    only if no handler runs), not wait out its 10 s timeout."""
    t = Target(shim, ["epoll_signal"], ready="ready")
    try:
        time.sleep(0.2)
        env = clean_env()
        env.update({"SW_TEST_STOP_ALL": "1", "SW_TEST_HOLD_MS": "1000"})
        d = subprocess.Popen([shim.cli, "dump", "--format", "json", str(t.pid)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        time.sleep(0.5)
        os.kill(t.pid, signal.SIGUSR1)
        d.communicate(timeout=60)
        start = time.monotonic()
        out, err = t.finish(timeout=30)
        check("epoll=-1 errno=EINTR" in out and time.monotonic() - start < 5,
              "the program did not get its EINTR: %r" % out)
    finally:
        t.kill()


def test_watch_reports_a_held_mutex_with_its_owner_then_recovered(shim):
    """lock_briefly without the shim (its holder keeps the mutex 3 s): `watch --lock 1s`
    reports the main thread's wait as a stall with the holder as owner (and its stack), then
    recovered once the mutex is free, and exits 0 when the program does."""
    t = Target(shim, ["lock_briefly", "3000"], ready="waiting")
    try:
        p = subprocess.run([shim.cli, "watch", "--lock", "1s", "--format", "json",
                            str(t.pid)], capture_output=True, text=True, timeout=30,
                           env=clean_env())
        check(p.returncode == 0, "watch ended with %d: %s" % (p.returncode, p.stderr))
        reports = [json.loads(l) for l in p.stdout.splitlines()]
        events = [r["event"] for r in reports]
        check(events == ["stall", "recovered"], "events %s" % events, p.stdout)
        stall = reports[0]
        subject = stall["threads"][0]
        check(subject["tid"] == t.pid and subject["call"] == "pthread_mutex_lock"
              and subject["class"] == "lock", "subject %s" % subject, p.stdout)
        check(subject["waited_ms"] >= 1000, "waited %d ms" % subject["waited_ms"])
        owner = [x for x in stall["threads"] if x.get("role") == "owner"]
        check(owner and subject.get("owner_tid") == owner[0]["tid"], "no owner", p.stdout)
        check("holder" in functions(owner[0]), "the owner's stack: %s" % functions(owner[0]))
        check("wait_for_holder" in functions(subject), "frames %s" % functions(subject))
        rec = reports[1]
        check(rec["stall_report"] == stall["report"] and rec["threads"][0]["tid"] == t.pid,
              "recovered does not close the stall", p.stdout)
        check(rec["fingerprint"] == stall["fingerprint"], "fingerprints differ", p.stdout)
        t.finish()
    finally:
        t.kill()


def test_dump_refused_by_ptrace_says_why(shim):
    """A process of root dumped by another user: one line naming the owner and what to do,
    exit 1, nothing written to standard output."""
    t = Target(shim, ["clock_loop", "4", "5"], ready="ready")
    try:
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            shim.cli, "dump", str(t.pid)], capture_output=True, text=True,
                           env=clean_env(), timeout=30)
        check(p.returncode == 1, "exit %d" % p.returncode, p.stderr)
        lines = p.stderr.strip().splitlines()
        check(len(lines) == 1 and "belongs to user 0" in lines[0]
              and "as that user or as root" in lines[0], "message %r" % p.stderr)
        check(p.stdout == "", "something was written: %r" % p.stdout)
        untouched(t)
    finally:
        t.kill()


def test_dump_of_a_missing_or_vanishing_process_fails_cleanly(shim):
    """A pid that does not exist: a clear line, exit 1. A process killed while the dump holds
    it: a clear line, exit 1, no report."""
    p = subprocess.run([shim.cli, "dump", "12abc"], capture_output=True, text=True,
                       env=clean_env())
    check(p.returncode == 2 and "not a process id" in p.stderr, "bad pid: %d %r"
          % (p.returncode, p.stderr))
    p, _ = dump(shim, 999999999)
    check(p.returncode == 1 and "no process 999999999" in p.stderr, "no such pid: %d %r"
          % (p.returncode, p.stderr))
    t = Target(shim, ["hello"])
    t.finish()
    p, _ = dump(shim, t.pid)
    check(p.returncode == 1 and "no process %d" % t.pid in p.stderr and p.stdout == "",
          "gone: %d %r" % (p.returncode, p.stderr))
    t = Target(shim, ["clock_loop", "4", "20"], ready="ready")
    try:
        d = subprocess.Popen([shim.cli, "dump", str(t.pid)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             env=dict(clean_env(), SW_TEST_HOLD_MS="1500"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and t.status("TracerPid") == "0":
            time.sleep(0.01)
        t.proc.kill()
        out, err = d.communicate(timeout=30)
        check(d.returncode == 1 and "exited during the dump" in err and out == "",
              "mid-dump: %d %r %r" % (d.returncode, err, out[:200]))
    finally:
        t.kill()


def test_dump_killed_while_holding_leaves_the_process_running(shim):
    """The command killed with SIGKILL while it holds every thread: the kernel detaches them,
    the process is neither stopped (no group-stop) nor traced, and runs to its normal end."""
    t = Target(shim, ["clock_loop", "8", "4"], ready="ready")
    try:
        d = subprocess.Popen([shim.cli, "dump", str(t.pid)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL,
                             env=dict(clean_env(), SW_TEST_HOLD_MS="5000"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and t.status("TracerPid") == "0":
            time.sleep(0.01)
        check(t.status("TracerPid") == str(d.pid), "the dump never held the process")
        d.kill()
        d.wait()
        time.sleep(0.2)
        untouched(t)
        out, err = t.finish()
        check(t.proc.returncode == 0 and "max_gap_us=" in out,
              "the program did not end normally: %r %r" % (out, err))
    finally:
        t.kill()


def test_watch_reports_a_deadlock_once_and_stops_on_sigterm(shim):
    """abba deadlocked, without the shim, under `watch --lock 1s`: one deadlock report with
    both workers, each the other's owner (not two stalls); SIGTERM ends the watcher with
    status 0 and no recovered report, since nothing recovered."""
    t = Target(shim, ["abba"], ready="abba: mutex")
    try:
        w = subprocess.Popen([shim.cli, "watch", "--lock", "1s", "--format", "json",
                              str(t.pid)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=clean_env())
        time.sleep(3.0)
        w.send_signal(signal.SIGTERM)
        out, err = w.communicate(timeout=30)
        check(w.returncode == 0, "watch ended with %d: %s" % (w.returncode, err))
        reports = [json.loads(l) for l in out.splitlines()]
        check([r["event"] for r in reports] == ["deadlock"], "events %s"
              % [r["event"] for r in reports], out)
        members = {x["name"]: x for x in reports[0]["threads"]}
        check(sorted(members) == ["worker-a", "worker-b"], "members %s" % sorted(members), out)
        check(members["worker-a"]["owner_tid"] == members["worker-b"]["tid"]
              and members["worker-b"]["owner_tid"] == members["worker-a"]["tid"],
              "owners are not each other", out)
        check(all(x["waited_ms"] >= 1000 for x in reports[0]["threads"][:1]),
              "waited %s" % reports[0]["threads"][0]["waited_ms"], out)
        untouched(t)
    finally:
        t.kill()


def watch_for(shim, pid, seconds, *options):
    """Runs `watch --format json OPTIONS PID` for seconds, then SIGTERM: (returncode, reports,
    stdout, stderr)."""
    w = subprocess.Popen([shim.cli, "watch", "--format", "json"] + list(options) + [str(pid)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=clean_env())
    time.sleep(seconds)
    w.send_signal(signal.SIGTERM)
    out, err = w.communicate(timeout=60)
    return w.returncode, [json.loads(l) for l in out.splitlines()], out, err


def test_watch_reports_48_waiters_of_one_mutex_as_one_stall(shim):
    """many_waiters without the shim: 48 threads wait for one mutex the main thread holds, from
    two functions. `watch --lock 1s` makes one capture and one stall report standing for all
    48 (an entry per stack, with count and tids), the main thread as the owner, and nothing
    more while they keep waiting."""
    t = Target(shim, ["many_waiters"], ready="ready")
    try:
        rc, reports, out, err = watch_for(shim, t.pid, 3.5, "--lock", "1s")
        check(rc == 0, "watch ended with %d: %s" % (rc, err))
        check([r["event"] for r in reports] == ["stall"], "events %s"
              % [r["event"] for r in reports], out[:3000])
        entries = reports[0]["threads"]
        waiting = [x for x in entries if x.get("role") in (None, "waiter")]
        check(sum(x.get("count", 1) for x in waiting) == 48,
              "the entries stand for %d threads" % sum(x.get("count", 1) for x in waiting),
              out[:3000])
        fns = set()
        for x in waiting:
            fns |= set(functions(x))
        check({"wait_in_line", "wait_elsewhere"} <= fns, "stacks %s" % fns)
        owners = [x for x in entries if x.get("role") == "owner"]
        check(owners and owners[0]["tid"] == t.pid and waiting[0].get("owner_tid") == t.pid,
              "the main thread is not the owner", out[:3000])
        untouched(t)
    finally:
        t.kill()


def test_watch_without_a_capture_still_reports_the_stall(shim):
    """lock_briefly's main thread held by another tracer (ptrace refuses ours): `watch --lock
    1s` says once on stderr why it cannot capture, and reports the stall anyway from /proc
    (the system call, its object, no stack, the reason as the note), then recovered."""
    import ctypes
    t = Target(shim, ["lock_briefly", "3000"], ready="waiting")
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        check(libc.ptrace(ctypes.c_long(0x4206), ctypes.c_long(t.pid), None, None) == 0,
              "PTRACE_SEIZE by the test failed: errno %d" % ctypes.get_errno())
        p = subprocess.run([shim.cli, "watch", "--lock", "1s", "--format", "json",
                            str(t.pid)], capture_output=True, text=True, timeout=30,
                           env=clean_env())
        check(p.returncode == 0, "watch ended with %d: %s" % (p.returncode, p.stderr))
        reports = [json.loads(l) for l in p.stdout.splitlines()]
        check([r["event"] for r in reports] == ["stall", "recovered"], "events %s"
              % [r["event"] for r in reports], p.stdout + p.stderr)
        lines = p.stderr.strip().splitlines()
        check(len(lines) == 1 and "cannot capture" in lines[0] and "already traced" in lines[0],
              "stderr %r" % p.stderr)
        x = reports[0]["threads"][0]
        check(x["tid"] == t.pid and x["call"] == "futex" and x["waited_ms"] >= 1000
              and x.get("note", "").startswith("not captured") and not x.get("frames"),
              "entry %s" % x)
        check(reports[1]["stall_report"] == reports[0]["report"], "recovered does not close it")
    finally:
        t.kill()


def test_watch_sees_a_thread_that_switched_waits_before_a_capture(shim):
    """Found by a review: wait_switch's "switcher" leaves a sleep (idle: off, looked at only every
    half threshold) for a lock 1.2 s in, just before the capture for "reader"'s pipe read
    (peer, 1.25 s); the capture must not take that run for one of its own, so switcher's lock
    wait is still seen, and reported."""
    t = Target(shim, ["wait_switch", "1200"], ready="ready")
    try:
        rc, reports, out, err = watch_for(shim, t.pid, 4.5, "--threshold", "60s", "--lock", "1s",
                                          "--peer", "1250ms")
        check(rc == 0, "watch ended with %d: %s" % (rc, err))
        names = {r["threads"][0]["name"] for r in reports if r["event"] == "stall"}
        check(names == {"reader", "switcher"}, "stalls of %s" % sorted(names), out[:3000])
    finally:
        t.kill()


def test_dump_of_real_servers_leaves_them_serving(shim):
    """Debian's redis-server and memcached and a python3 interpreter, started without the
    shim: each is dumped (every thread, with frames) and answers a request right after, never
    having been left stopped or traced."""
    import socket as so
    for name, argv, port in (
            ("redis-server", ["redis-server", "--port", "16391", "--save", "",
                              "--appendonly", "no"], 16391),
            ("memcached", ["memcached", "-p", "16392", "-U", "0", "-u", "nobody"], 16392),
            ("python3", ["/usr/bin/python3", "-c", "import threading,time\n"
                         "t=threading.Thread(target=time.sleep,args=(30,));t.start()\n"
                         "print('ready',flush=True);time.sleep(30)"], None)):
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True, env=clean_env())
        try:
            if port is None:
                check(proc.stdout.readline().strip() == "ready", "python3 did not start")
            else:
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    try:
                        so.create_connection(("127.0.0.1", port), timeout=1).close()
                        break
                    except OSError:
                        time.sleep(0.1)
            p, threads = dump_threads(shim, proc.pid, name)
            ntask = len(os.listdir("/proc/%d/task" % proc.pid))
            check(len(threads) == ntask, "%s: %d threads of %d" % (name, len(threads), ntask))
            check(all(x.get("frames") for x in threads), "%s: a thread without frames" % name,
                  p.stdout)
            with open("/proc/%d/status" % proc.pid) as f:
                status = f.read()
            check("TracerPid:\t0" in status and "State:\tT" not in status
                  and "State:\tt" not in status, "%s was left stopped or traced" % name)
            if name == "redis-server":
                c = so.create_connection(("127.0.0.1", port), timeout=5)
                c.sendall(b"PING\r\n")
                check(c.recv(64).startswith(b"+PONG"), "redis does not answer after the dump")
                c.close()
            elif name == "memcached":
                c = so.create_connection(("127.0.0.1", port), timeout=5)
                c.sendall(b"version\r\n")
                check(c.recv(64).startswith(b"VERSION"), "memcached does not answer")
                c.close()
        finally:
            proc.kill()
            proc.wait()


def test_dump_reads_a_thread_that_ran_on_after_its_look(shim):
    """epoll_tick's threads wait 1 ms in epoll_wait, then compute 1 ms, as a server's tick
    does (redis's main thread). A thread looked at while in the wait is left unstopped and
    read from /proc; by then it has often run on. Each of 20 dumps must still give every
    thread frames that go down to the tick loop, and leave the program untouched."""
    t = Target(shim, ["epoll_tick", "3"], ready="ready")
    try:
        for k in range(20):
            p, threads = dump_threads(shim, t.pid, "dump %d" % k)
            check(len(threads) == 3, "dump %d: %d threads of 3" % (k, len(threads)), p.stdout)
            for x in threads:
                check("tick" in functions(x), "dump %d: thread %d has no frame in tick: %s"
                      % (k, x["tid"], x.get("note")), p.stdout)
            untouched(t)
    finally:
        t.kill()


def test_dump_stops_a_thread_that_keeps_running_after_its_look(shim):
    """epoll_tick's one thread waits 300 ms in epoll_wait, then computes for 3 s. Dumped just
    after it announces a wait, it is looked at in the wait and left unstopped; the capture
    then holds the process 500 ms (a test hook), so by the read the thread is computing, and
    still is after the 100 ms of reading again. It is stopped after all (in user space, where
    the program cannot see a stop), and its stack goes down to the tick loop."""
    t = Target(shim, ["epoll_tick", "1", "300", "3000"], ready="ready")
    try:
        check(t.proc.stdout.readline().strip() == "tick", "epoll_tick did not tick")
        p, (x,) = dump_threads(shim, t.pid, "epoll_tick",
                               env={"SW_TEST_HOLD_MS": "500", "SW_TEST_HELD": "1"})
        check("tick" in functions(x) and x.get("capture") == "ptrace",
              "the thread was not captured once it ran on: %s" % x.get("note"), p.stdout)
        check(re.search(r"held 1 of 1 threads", p.stderr), "the stop is not counted", p.stderr)
        untouched(t)
    finally:
        t.kill()


def test_dump_names_the_job_and_rank_from_the_processes_environment(shim):
    """A process started by a launcher (Slurm's variables) and dumped from outside: the
    dump says this host, the job and the rank, read from /proc/PID/environ."""
    import socket as so
    env = dict(clean_env(), SLURM_JOB_ID="77", SLURM_PROCID="5", SLURM_NTASKS="8")
    proc = subprocess.Popen([shim.prog("clock_loop"), "4", "3"], stdout=subprocess.PIPE,
                            text=True, env=env)
    try:
        check(proc.stdout.readline().strip() == "ready", "clock_loop did not start")
        p, reports = dump(shim, proc.pid)
        r = reports[-1]
        check((r.get("host"), r.get("job"), r.get("rank"), r.get("size"))
              == (so.gethostname(), "77", 5, 8), "who: %s" % {k: r.get(k) for k in
                                                         ("host", "job", "rank", "size")})
    finally:
        proc.kill()
        proc.wait()


def test_a_thread_that_cannot_stop_neither_hangs_the_dump_nor_stays_traced(shim):
    """A thread in uninterruptible sleep (a vfork parent waiting for its child, 3 s) cannot
    take a stop: the dump reads it without stopping it (its stack from /proc, a note says
    why), does not hold the other threads waiting for it, and the process ends normally,
    never left traced."""
    t = Target(shim, ["vfork_wait", "3000"], ready="ready")
    try:
        p, reports = dump(shim, t.pid, env={"SW_TEST_HELD": "1"})
        check(p.returncode == 0, "dump failed: %s" % p.stderr)
        threads = {x["name"]: x for x in reports[-1]["threads"]}
        v = threads.get("vforker")
        check(v is not None and v.get("state") == "D", "the vfork thread: %s" % v, p.stdout)
        check(v.get("capture") == "proc" and "uninterruptible" in (v.get("note") or ""),
              "the thread that could not stop: %s" % v, p.stdout)
        m = re.search(r"held (\d+) of (\d+) threads for ([\d.]+) ms", p.stderr)
        check(m and int(m.group(1)) == 1 and float(m.group(3)) < 500,
              "the others were held waiting for it: %s" % p.stderr)
        untouched(t)
        main = threads.get("vfork_wait")
        check(main is not None and main.get("frames"), "the main thread", p.stdout)
        out, err = t.finish()
        check(t.proc.returncode == 0 and "done" in out, "the program did not end: %r %r"
              % (out, err))
    finally:
        t.kill()


def test_a_process_whose_main_thread_exited_is_dumped_and_watched(shim):
    """The main thread has exited (a zombie leader) while a worker sleeps: the process is
    alive, watch reports the worker's sleep past --idle, and the dump is not refused and names
    the worker's frames (its memory read through a live thread)."""
    t = Target(shim, ["leader_exits", "20000"], ready="ready")
    try:
        # watch first: a sleep that a stop interrupted resumes as restart_syscall, which
        # /proc cannot tell from other waits (design.md).
        w = subprocess.Popen([shim.cli, "watch", "--idle", "1s", "--format", "json",
                              str(t.pid)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=clean_env())
        time.sleep(3.0)
        w.send_signal(signal.SIGTERM)
        out, err = w.communicate(timeout=30)
        events = [json.loads(l)["event"] for l in out.splitlines()]
        check(w.returncode == 0 and events == ["stall"], "watch: %d %s %s"
              % (w.returncode, events, err))
        p, reports = dump(shim, t.pid)
        check(p.returncode == 0, "dump refused: %s" % p.stderr)
        workers = [x for x in reports[-1]["threads"] if x["tid"] != t.pid]
        check(workers and "sleeper" in functions(workers[0]), "the worker's frames: %s"
              % (functions(workers[0]) if workers else None), p.stdout)
    finally:
        t.kill()
