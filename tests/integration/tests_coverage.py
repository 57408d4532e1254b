"""Integration tests of coverage: threads stuck where no wrapper of ours sees them (glibc's
internal calls, stdio's and the loader's locks, raw system calls) are found by the kernel
fallback, and the calls users recognize (name lookups, IPC, system) are reported as
themselves. Each of these went unreported before; the quiet controls show that idle programs
(ours and Debian's redis-server, memcached and python3) stay quiet with the fallback on.
Collected by run.py with the tests in it."""

import ctypes
import os
import shutil
import socket
import subprocess
import tempfile
import time

from harness import check, functions, thread_by_name


def stall_of(res, name):
    """The first stall report's entry for the thread named name, or None."""
    for r in res.reports:
        if r["event"] != "stall":
            continue
        for t in r["threads"]:
            if t.get("name") == name:
                return t
    return None


def test_printf_blocked_behind_flockfile_names_the_holder(shim):
    """A thread blocked inside printf because another holds stdout's stdio lock (flockfile):
    glibc's internal lock passes through no wrapper; the kernel shows a futex wait whose lock
    word names its holder. Reported as a lock stall of call futex, the lock named, the holder
    as owner with its own stack, the printing thread's frames down to its caller."""
    res = shim.run(["stdio_lock", "30"], env={"STALLWATCH_LOCK": "1s"}, reports=1)
    t = stall_of(res, "printer")
    check(t is not None, "no stall report of the printing thread", res)
    check((t["call"], t["class"]) == ("futex", "lock"), "%s/%s" % (t["call"], t["class"]), res)
    check(t.get("kernel") is True, "not marked as seen in the kernel", res)
    check(t.get("lock") == "stdout's stdio lock", "lock: %r" % t.get("lock"), res)
    check("print_status" in functions(t), "the caller of printf is not in the stack: %s"
          % functions(t), res)
    holder = [x for x in res.reports[0]["threads"] if x.get("role") == "owner"]
    check(holder and holder[0]["name"] == "holder" and t.get("owner_tid") == holder[0]["tid"],
          "the holder is not named as the owner", res)


def test_a_raw_syscall_read_of_a_pipe_is_reported(shim):
    """A thread reading a pipe with a raw syscall instruction (no libc function at all): class
    peer from the descriptor, call read, the pipe named, the caller's frames."""
    res = shim.run(["raw_read"], env={"STALLWATCH_PEER": "1s"}, reports=1)
    t = stall_of(res, "raw-reader")
    check(t is not None, "no report of the raw reader", res)
    check((t["call"], t["class"], t.get("kernel")) == ("read", "peer", True),
          "%s/%s kernel=%s" % (t["call"], t["class"], t.get("kernel")), res)
    check((t.get("fd_target") or "").startswith("pipe:"), "fd_target %r" % t.get("fd_target"),
          res)
    check("read_raw" in functions(t), "frames: %s" % functions(t), res)


def test_fgets_on_a_pipe_is_reported_with_the_callers_frames(shim):
    """fgets on a pipe blocks in glibc's internal read: reported (class peer, the descriptor
    behind the FILE) with the frames of the code that called fgets."""
    res = shim.run(["fgets_pipe"], env={"STALLWATCH_PEER": "1s"}, reports=1,
                   stdin=subprocess.PIPE)
    t = stall_of(res, "config-reader")
    check(t is not None, "no report of the reader", res)
    check((t["call"], t["class"], t.get("fd"), t.get("kernel")) == ("read", "peer", 0, True),
          "%s/%s fd=%s" % (t["call"], t["class"], t.get("fd")), res)
    check("_IO_fgets" in functions(t) and "read_config_line" in functions(t),
          "frames: %s" % functions(t), res)


def test_ipc_waits_and_system_are_reported_with_their_objects(shim):
    """semop, msgrcv and mq_receive waiting forever, and system() waiting for its command:
    each is reported under its own name, class wait, with the SysV id, the queue's name or
    the child (pid and name)."""
    res = shim.run(["wait_calls"], env={"STALLWATCH_WAIT": "1s"}, reports=4)
    ids = dict(kv.split("=", 1) for kv in res.stdout.split() if "=" in kv)
    # Killed (SIGKILL, with its command): its IPC objects are ours to remove.
    subprocess.run(["ipcrm", "-s", ids.get("semid", "-1"), "-q", ids.get("msqid", "-1")],
                   capture_output=True, check=False)
    if "mq" in ids:
        ctypes.CDLL(None).mq_unlink(ids["mq"].encode())
    want = {"sem-waiter": "semop", "msg-waiter": "msgrcv", "mq-waiter": "mq_receive",
            "commander": "system"}
    for name, call in want.items():
        t = stall_of(res, name)
        check(t is not None, "no report of %s" % name, res)
        check((t["call"], t["class"]) == (call, "wait"), "%s: %s/%s" % (name, t["call"],
                                                                          t["class"]), res)
    check(str(stall_of(res, "sem-waiter").get("ipc_id")) == ids.get("semid"), "semid", res)
    check(str(stall_of(res, "msg-waiter").get("ipc_id")) == ids.get("msqid"), "msqid", res)
    check(stall_of(res, "mq-waiter").get("fd_target") == ids.get("mq"), "queue name", res)
    cmd = stall_of(res, "commander")
    check(cmd.get("child", 0) > 0 and cmd.get("owner_pid") == cmd.get("child") and
          cmd.get("owner_process") in ("sh", "sleep"), "the child is not named: %s" % cmd, res)


def test_the_plugin_constructor_deadlock_is_a_deadlock_of_both_threads(shim):
    """The classic plugin deadlock at default settings: a constructor (inside dlopen, holding
    the loader's lock) joins a thread that calls dlopen. Both threads are in one deadlock
    report: the join (waiting for the thread) and the dlopen (waiting for the loader's lock,
    whose holder is the constructor's thread)."""
    plugin = os.path.join(shim.progs, "libctor_plugin.so")
    res = shim.run(["plugin_deadlock", plugin], reports=1)
    check(res.reports and res.reports[0]["event"] == "deadlock", "no deadlock report", res)
    threads = {t["call"]: t for t in res.reports[0]["threads"]}
    check(set(threads) == {"pthread_join", "dlopen"}, "members: %s" % sorted(threads), res)
    join, load = threads["pthread_join"], threads["dlopen"]
    check(load.get("lock") == "the dynamic loader's lock" and load["class"] == "lock",
          "the dlopen is not a wait for the loader's lock: %s" % load, res)
    check(load.get("owner_tid") == join["tid"] and join.get("owner_tid") == load["tid"],
          "the cycle's edges are wrong", res)
    check("init_waits_for_its_thread" in functions(join) and
          "loads_another_library" in functions(load), "frames", res)


def fake_dns_server():
    """A UDP socket on 127.9.9.9:53 that never answers, or None (not root)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.9.9.9", 53))
    except OSError:
        s.close()
        return None
    return s


def test_a_dns_lookup_that_never_answers_is_reported(shim):
    """getaddrinfo against a name server that never answers (a private mount namespace with
    its own resolv.conf, unshare -m): reported at the default class settings as call
    getaddrinfo, class lookup, with the name and service asked for; recovered when glibc's
    timeout ends it."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        print("SKIP: needs root and unshare (a private mount namespace for resolv.conf)")
        return
    server = fake_dns_server()
    if server is None:
        print("SKIP: cannot bind 127.9.9.9:53")
        return
    tmp = tempfile.mkdtemp(prefix="stallwatch-dns-")
    try:
        conf = os.path.join(tmp, "resolv.conf")
        with open(conf, "w") as f:
            f.write("nameserver 127.9.9.9\noptions timeout:3 attempts:1\n")
        probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                               capture_output=True)
        if probe.returncode != 0:
            print("SKIP: unshare -m is not permitted here: %s" % probe.stderr.decode().strip())
            return
        script = 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"'
        res = shim.run([shutil.which("unshare"), "-m", "--propagation", "private", "sh", "-c",
                        script, "sh", conf, shim.prog("dns_lookup"), "db.stallwatch.test",
                        "5432"],
                       env={"STALLWATCH_THRESHOLD": "1s"}, timeout=20)
    finally:
        server.close()
        shutil.rmtree(tmp, ignore_errors=True)
    check("getaddrinfo:" in res.stdout, "the lookup did not finish", res)
    t = stall_of(res, "resolver")
    check(t is not None, "no report of the lookup", res)
    check((t["call"], t["class"]) == ("getaddrinfo", "lookup"),
          "%s/%s" % (t["call"], t["class"]), res)
    check(t.get("query") == "db.stallwatch.test:5432", "query %r" % t.get("query"), res)
    check("connect_to_database" in functions(t), "frames: %s" % functions(t), res)
    check(any(r["event"] == "recovered" for r in res.reports), "never recovered", res)


def test_threads_idle_outside_every_wrapper_are_quiet(shim):
    """The fallback's quiet control: threads idle in a raw futex wait, a raw ppoll, fgets on a
    pipe and churning through a stdio lock are not reported at default class settings, even
    with a short base threshold; with wait, peer and idle on (the control's control), each
    of the first three is, as seen in the kernel."""
    res = shim.run(["idle_raw", "3"], env={"STALLWATCH_THRESHOLD": "300ms"},
                   stdin=subprocess.PIPE)
    check(res.returncode == 0 and not res.report_lines, "an idle thread was reported", res)
    env = {"STALLWATCH_THRESHOLD": "300ms", "STALLWATCH_WAIT": "300ms",
           "STALLWATCH_PEER": "300ms", "STALLWATCH_IDLE": "300ms"}
    res = shim.run(["idle_raw", "3"], env=env, stdin=subprocess.PIPE)
    want = {"raw-futex": ("futex", "wait"), "raw-poll": ("ppoll", "idle"),
            "stdin-reader": ("read", "peer")}
    for name, (call, cls) in want.items():
        t = stall_of(res, name)
        check(t is not None and (t["call"], t["class"], t.get("kernel")) == (call, cls, True),
              "%s: %s" % (name, t), res)
    check(stall_of(res, "churner") is None, "the churning thread was reported", res)


def quiet_server(shim, argv, ready_port, seconds=4.0):
    """Runs a real server under the shim with a short threshold and the fallback on, waits
    until it listens on ready_port, lets it idle, then stops it: its reports."""
    def on_start(proc, out_path):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", ready_port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(seconds)
        proc.terminate()
    return shim.run(argv, env={"STALLWATCH_THRESHOLD": "300ms"}, timeout=30, on_start=on_start)


def test_real_servers_at_rest_are_quiet_with_the_fallback_on(shim):
    """Debian's redis-server and memcached, and python3 with a thread pool, idle for a few
    seconds under a 300 ms threshold (the fallback looks at every thread outside a wrapper):
    no report."""
    redis = shutil.which("redis-server")
    memcached = shutil.which("memcached")
    check(redis and memcached, "redis-server or memcached is missing (scripts/deps.sh)")
    res = quiet_server(shim, [redis, "--port", "16399", "--save", "", "--appendonly", "no"],
                       16399)
    check(not res.report_lines, "redis-server was reported", res)
    res = quiet_server(shim, [memcached, "-p", "16400", "-U", "0", "-t", "4", "-u", "root"],
                       16400)
    check(not res.report_lines, "memcached was reported", res)
    script = ("import concurrent.futures, time\n"
              "with concurrent.futures.ThreadPoolExecutor(4) as ex:\n"
              "    list(ex.map(abs, range(8)))\n"
              "    time.sleep(3)\n")
    res = shim.run(["/usr/bin/python3", "-c", script], env={"STALLWATCH_THRESHOLD": "300ms"},
                   timeout=30)
    check(res.returncode == 0 and not res.report_lines, "python3 was reported", res)
