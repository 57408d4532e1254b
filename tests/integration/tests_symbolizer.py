"""Integration tests of symbolizing outside the program (the stallwatch-symbolizer program):
what a report leaves in the program (memory, mappings, descriptors) and beside it (eu-stack,
core dumps), and what happens when the symbolizer is stopped, killed or shared by many
processes. Collected by run.py with the tests in it."""

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time

from harness import check, functions, read_lines, symbolizer_copy, symbolizer_pids


class Running:
    """A program started under the shim (or without it), left running for the test to look at:
    reports as JSON lines in its own file."""

    def __init__(self, shim, argv, env=None, preload=True, cwd=None, preexec=None):
        self.dir = tempfile.mkdtemp(prefix="stallwatch-sym-test-")
        self.reports_path = os.path.join(self.dir, "reports")
        full = {k: v for k, v in os.environ.items()
                if not k.startswith("STALLWATCH_") and k != "LD_PRELOAD"}
        # Without the shim, a sanitizer build's runtime is still preloaded: what the shim adds
        # is what the two differ by.
        preloads = shim.preload_first + ([shim.lib] if preload else [])
        if preloads:
            full["LD_PRELOAD"] = " ".join(preloads)
            full["ASAN_OPTIONS"] = "detect_leaks=0:halt_on_error=1"
        if preload:
            full["STALLWATCH_OUTPUT"] = "file:" + self.reports_path
            full["STALLWATCH_FORMAT"] = "json"
        full.update(env or {})
        if not os.path.isabs(argv[0]):
            argv = [shim.prog(argv[0])] + list(argv[1:])
        self.out = open(os.path.join(self.dir, "stdout"), "wb")
        self.proc = subprocess.Popen(argv, env=full, stdout=self.out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.PIPE, cwd=cwd or self.dir,
                                     start_new_session=True, preexec_fn=preexec)
        self.pid = self.proc.pid

    def reports(self):
        return [json.loads(l) for l in read_lines(self.reports_path)]

    def wait_reports(self, n, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(read_lines(self.reports_path)) >= n:
                time.sleep(0.1)  # the last line of a report being written
                return self.reports()
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        return self.reports()

    def output(self):
        self.out.flush()
        with open(os.path.join(self.dir, "stdout"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.out.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def mapped_files(pid):
    files = set()
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and parts[5].startswith("/"):
                files.add(parts[5])
    return files


def kill_symbolizers(path):
    for pid in symbolizer_pids(path):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def symbolized(thread, fn):
    return any(f.get("function") == fn and f.get("file") and f.get("line")
               for f in thread["frames"])


def test_a_report_leaves_no_file_and_little_memory_in_the_program(shim):
    """After its deadlock report, a two-thread program has mapped no file it did not map
    itself besides libstallwatch.so (no libdw, no debug file, no ELF file read for names), and
    its resident memory is at most 1 MiB over the same program without the shim; the report
    was symbolized all the same."""
    base = Running(shim, ["abba"], preload=False)
    try:
        time.sleep(1.5)
        plain_files = mapped_files(base.pid)
        plain_rss = status_kib(base.pid, "VmRSS")
    finally:
        base.stop()
    run = Running(shim, ["abba"], env={"STALLWATCH_LOCK": "300ms"})
    try:
        reports = run.wait_reports(1)
        check(reports and reports[0]["event"] == "deadlock", "no deadlock report")
        check(any(symbolized(t, "take_b_after_a") or symbolized(t, "take_a_after_b")
                  for t in reports[0]["threads"]), "the report is not symbolized")
        time.sleep(0.3)
        extra = mapped_files(run.pid) - plain_files
        rss = status_kib(run.pid, "VmRSS")
    finally:
        run.stop()
    check({os.path.basename(f) for f in extra} <= {"libstallwatch.so"},
          "files mapped into the program by the report: %s" % sorted(extra))
    if not shim.preload_first:  # a sanitizer runtime has memory of its own
        check(rss - plain_rss <= 1024, "resident memory after the report: +%d KiB (%d against "
              "%d)" % (rss - plain_rss, rss, plain_rss))


def test_eu_stack_works_on_every_process_that_reported(shim):
    """eu-stack -p, the tool beside us, unwinds every thread of 20 processes that have each
    written a report (a stray mapping of a file the program did not load used to make it fail
    for about one process in three)."""
    runs = [Running(shim, ["abba"], env={"STALLWATCH_LOCK": "300ms"}) for _ in range(20)]
    failures = []
    try:
        for r in runs:
            check(r.wait_reports(1), "a process wrote no report")
        for r in runs:
            p = subprocess.run(["eu-stack", "-p", str(r.pid)], capture_output=True, text=True,
                               timeout=60)
            if p.returncode != 0 or "take_b_after_a" not in p.stdout:
                failures.append("pid %d: rc %d: %s" % (r.pid, p.returncode, p.stderr[-300:]))
    finally:
        for r in runs:
            r.stop()
    check(not failures, "eu-stack failed on %d of 20:\n%s" % (len(failures), "\n".join(failures)))


def test_a_core_dumped_after_a_report_unwinds_every_thread(shim):
    """STALLWATCH_ACTION=abort dumps core after the first report; eu-stack --core unwinds every
    thread of that core (the report mapped nothing into the program that would mislead it)."""
    if shim.preload_first:
        print("note: not in the sanitizer build (its runtime changes how aborts end)")
        return

    def cores():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    with open("/proc/sys/kernel/core_pattern") as f:
        pattern = f.read().strip()
    check(not pattern.startswith("|") and "/" not in pattern,
          "core_pattern is %r: this test needs cores written in the working directory" % pattern)
    run = Running(shim, ["abba"], env={"STALLWATCH_LOCK": "300ms", "STALLWATCH_ACTION": "abort"},
                  preexec=cores)
    try:
        run.proc.wait(timeout=20)
        core = [os.path.join(run.dir, n) for n in os.listdir(run.dir) if n.startswith("core")]
        check(run.proc.returncode == -signal.SIGABRT and core,
              "no core dump (status %s)" % run.proc.returncode)
        check(run.reports(), "no report before the abort")
        p = subprocess.run(["eu-stack", "--core", core[0], "-e", shim.prog("abba")],
                           capture_output=True, text=True, timeout=60)
    finally:
        run.stop()
    threads = re.findall(r"^TID \d+:", p.stdout, re.M)
    check(len(threads) >= 3, "eu-stack --core found %d threads:\n%s\n%s" %
          (len(threads), p.stdout[-2000:], p.stderr[-1000:]))
    check("take_b_after_a" in p.stdout and "take_a_after_b" in p.stdout,
          "eu-stack --core did not unwind the deadlocked threads:\n%s" % p.stdout[-2000:])
    check("no matching address range" not in p.stderr, "eu-stack --core:\n" + p.stderr[-1000:])


def test_a_symbolizer_killed_mid_report_still_gives_the_report(shim):
    """The symbolizer stops answering in the middle of a report (stopped, then killed): the
    report is written anyway, with raw frames and a note saying why; the next report starts a
    new symbolizer and is symbolized again."""
    with tempfile.TemporaryDirectory() as tmp:
        path = symbolizer_copy(shim, tmp)
        run = Running(shim, ["two_stalls"], env={"STALLWATCH_LOCK": "300ms",
                                                 "STALLWATCH_SYMBOLIZER": path,
                                                 "STALLWATCH_SYMBOLIZE_TIMEOUT": "5s"})
        try:
            first = run.wait_reports(1)
            check(first and "first_stall" in functions(first[0]["threads"][0]),
                  "the first report is not symbolized")
            pids = symbolizer_pids(path)
            check(len(pids) == 1, "expected one symbolizer of our own, found %s" % pids)
            os.kill(pids[0], signal.SIGSTOP)
            run.proc.stdin.write(b"go\n")
            run.proc.stdin.flush()
            time.sleep(1.0)  # the second stall's report is waiting for the stopped symbolizer
            os.kill(pids[0], signal.SIGKILL)
            reports = run.wait_reports(len(first) + 1, timeout=10)
        finally:
            run.stop()
            kill_symbolizers(path)
    stalls = [r for r in reports if r["event"] == "stall"]
    check(len(stalls) == 2, "the second stall was not reported: %s" %
          [r["event"] for r in reports])
    t = stalls[1]["threads"][0]
    check("symbolizer" in t.get("note", "") and not any(f.get("function") for f in t["frames"]),
          "the report after the symbolizer died is not raw with a note: %s" % t.get("note"))
    check(any(f.get("module", "").endswith("/two_stalls") for f in t["frames"]),
          "the raw frames miss the program's own module")


def test_many_processes_share_one_symbolizer(shim):
    """20 processes of one program stall at the same moment: one symbolizer serves them all
    and every report is symbolized."""
    with tempfile.TemporaryDirectory() as tmp:
        path = symbolizer_copy(shim, tmp)
        runs = [Running(shim, ["abba"], env={"STALLWATCH_LOCK": "500ms",
                                             "STALLWATCH_SYMBOLIZER": path})
                for _ in range(20)]
        try:
            reports = [r.wait_reports(1, timeout=30) for r in runs]
            pids = symbolizer_pids(path)
        finally:
            for r in runs:
                r.stop()
            kill_symbolizers(path)
    check(len(pids) == 1, "expected one symbolizer for the 20 processes, found %d" % len(pids))
    missing = [i for i, r in enumerate(reports) if not r]
    check(not missing, "processes without a report: %s" % missing)
    raw = [i for i, r in enumerate(reports)
           if not any(symbolized(t, "take_b_after_a") or symbolized(t, "take_a_after_b")
                      for t in r[0]["threads"])]
    check(not raw, "reports not symbolized: %s" % [(i, [t.get("note") for t in reports[i][0]["threads"]]) for i in raw])


def test_children_forked_during_a_report_inherit_no_socket_of_ours(shim):
    """A program that forks children all the while one of its threads is being reported: no
    child ever holds a socket (the program has none of its own), so the connection to the
    symbolizer never leaks into the program's children."""
    run = Running(shim, ["fork_during_report"], env={"STALLWATCH_LOCK": "300ms",
                                                     "STALLWATCH_REPEAT": "500ms"})
    try:
        run.proc.wait(timeout=30)
        out = run.output()
        reports = run.reports()
    finally:
        run.stop()
    counts = [int(n) for n in re.findall(r"^sockets (\d+)$", out, re.M)]
    check(run.proc.returncode == 0 and len(counts) > 50, "fork_during_report failed:\n" + out[-500:])
    check(reports and any(r["event"] == "stall" for r in reports), "no report while forking")
    check(max(counts) == 0, "a child held %d sockets" % max(counts))


def test_a_plugin_constructor_deadlock_is_symbolized_while_the_loader_is_held(shim):
    """A plugin's constructor (inside the program's dlopen, holding the dynamic loader's lock)
    waits for a thread that itself calls dlopen: the report of the constructor's wait comes
    with symbolized frames (function, file:line) although the loader's lock stays held: the
    symbolizer is another program, nothing in this one needs the lock."""
    plugin = os.path.join(shim.progs, "libctor_plugin.so")
    run = Running(shim, ["plugin_deadlock", plugin], env={"STALLWATCH_WAIT": "500ms"})
    try:
        reports = run.wait_reports(1)
        alive = run.proc.poll() is None
    finally:
        run.stop()
    check(alive, "the program was expected to stay deadlocked")
    stalls = [r for r in reports if r["event"] == "stall"]
    check(stalls, "no report of the deadlocked constructor: %s" % reports)
    t = stalls[0]["threads"][0]
    check(t["call"] == "pthread_join", "the report is not about the join: %s" % t["call"])
    check(symbolized(t, "init_waits_for_its_thread") and symbolized(t, "plugin_init"),
          "the constructor's frames are not symbolized: %s" % functions(t))
    check(not any("raw frames" in (x.get("note") or "") for x in stalls[0]["threads"]),
          "raw frames while the loader's lock is held")


def test_raw_stacks_of_different_code_are_not_one_group(shim):
    """Without names (no symbolizer), two threads waiting on the same mutex from different
    functions are still two entries of the report, each with its own stack: raw stacks are
    compared by module and offset."""
    run = Running(shim, ["two_paths"], env={"STALLWATCH_LOCK": "500ms",
                                            "STALLWATCH_SYMBOLIZER": "off"})
    try:
        run.proc.wait(timeout=15)
        reports = run.reports()
    finally:
        run.stop()
    stalls = [r for r in reports if r["event"] == "stall"]
    check(stalls, "no report")
    threads = stalls[0]["threads"]
    waiting = [t for t in threads if t.get("role") in (None, "waiter")]
    check(len(waiting) == 2 and all(t.get("count", 1) == 1 for t in waiting),
          "two different raw stacks were merged: %s" %
          [(t.get("role"), t.get("count"), t.get("tids")) for t in threads])
    check(all(not any(f.get("function") for f in t["frames"]) for t in waiting),
          "frames were named with the symbolizer off")
