"""Integration tests for Python programs: the Python stack of every reported thread that runs
Python code, beside its native stack (docs/python.md).

Debian's python3 (CPython 3.11) runs the scripts of tests/progs/python under the shim; the
lines the reports must name are found by searching the scripts, never written here. run.py
imports this module; CMake registers each test_* function as integ_<name>.
"""

import os
import subprocess
import time

from harness import Failure, check, wait_for_output

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.normpath(os.path.join(HERE, "..", "progs", "python"))
# Debian's interpreter by its path: the first python3 in PATH may be another build (pyenv's
# do not export the dump function, and run without our symbols).
PYTHON = "/usr/bin/python3"
# The line of lock_main.py where its main thread waits.
LOCK_MAIN_WAITS = "config_lock.acquire()  # the main thread waits here"


def script(name):
    return os.path.join(SCRIPTS, name)


def run_python(shim, name, *args, **kw):
    """Runs a script of tests/progs/python under the shim with Debian's python3."""
    check(os.path.exists(PYTHON), "%s is missing (Debian's python3 package)" % PYTHON)
    return shim.run([PYTHON, script(name)] + list(args), **kw)


def line_of(path, text):
    """1-based number of the first line of path that is text once stripped of blanks."""
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if line.strip() == text:
                return i
    raise Failure("no line %r in %s" % (text, path))


def py_frames(thread):
    return thread.get("python_frames", [])


def py_functions(thread):
    return [f.get("function") for f in py_frames(thread)]


def check_py_frame(frame, function, path, text, res):
    want = (function, path, line_of(path, text))
    got = (frame.get("function"), frame.get("file"), frame.get("line"))
    check(got == want, "Python frame %r, expected %r" % (got, want), res)


def check_py_stack(thread, expected, res):
    """expected: (function, path, line text) of the innermost frames, in order."""
    frames = py_frames(thread)
    check(len(frames) >= len(expected), "Python stack too short: %s" % py_functions(thread), res)
    for frame, (function, path, text) in zip(frames, expected):
        check_py_frame(frame, function, path, text, res)


def test_python_main_thread_blocked_on_a_lock(shim):
    """STALLWATCH_HEARTBEAT=main: the main thread of a Python program, blocked on a
    threading.Lock inside wait_for_config(), is reported with its Python stack (function, file
    and line, innermost first) beside the interpreter's native frames. A Lock waits in sem_wait:
    class wait, which only the heartbeat (or STALLWATCH_WAIT) reports."""
    res = run_python(shim, "lock_main.py", env={"STALLWATCH_HEARTBEAT": "main",
                                                "STALLWATCH_THRESHOLD": "500ms"}, reports=1)
    check(res.reports, "no report", res)
    r = res.reports[0]
    t = r["threads"][0]
    check(r["event"] == "stall" and t["tid"] == r["pid"], "not the main thread's stall", res)
    check(t["class"] == "wait" and t["call"].startswith("sem_"), "call/class", res)
    check(t.get("capture") == "signal" and t["frames"], "no native stack", res)
    check(any(f.get("function") == "PyThread_acquire_lock_timed" for f in t["frames"]),
          "the native stack is not the interpreter's lock", res)
    path = script("lock_main.py")
    check_py_stack(t, [("wait_for_config", path, LOCK_MAIN_WAITS),
                       ("main", path, "wait_for_config()"),
                       ("<module>", path, "main()")], res)
    check(len(py_frames(t)) == 3, "frames beyond <module>: %s" % py_functions(t), res)
    check("note" not in t, "a note on a clean capture: %r" % t.get("note"), res)


def test_python_worker_blocked_in_queue_get(shim):
    """STALLWATCH_WAIT on: a worker thread blocked in queue.Queue.get() is reported with the
    standard library's frames (threading's wait, queue's get) above the script's own; with
    STALLWATCH_ALL_THREADS the sleeping main thread comes with its Python stack too."""
    res = run_python(shim, "queue_worker.py", env={"STALLWATCH_WAIT": "500ms",
                                                   "STALLWATCH_ALL_THREADS": "1"}, reports=1)
    check(res.reports, "no report", res)
    r = res.reports[0]
    t = r["threads"][0]
    check(t["tid"] != r["pid"] and t["class"] == "wait", "not the worker's wait", res)
    frames = py_frames(t)
    names = py_functions(t)
    check("consume" in names, "consume() not in the worker's Python stack: %s" % names, res)
    k = names.index("consume")
    path = script("queue_worker.py")
    check_py_frame(frames[k], "consume", path, "job = jobs.get()  # the consumer waits here", res)
    check(k >= 2 and names[k - 1] == "get" and frames[k - 1]["file"].endswith("/queue.py"),
          "queue.get is not the frame above consume(): %s" % names, res)
    check(names[0] == "wait" and frames[0]["file"].endswith("/threading.py"),
          "the innermost frame is not threading's wait: %s" % names, res)
    check(names[-1] == "_bootstrap", "a thread's stack ends in threading's bootstrap", res)
    mains = [o for o in r["threads"][1:] if o["tid"] == r["pid"]]
    check(mains and mains[0].get("role") == "other", "the main thread is not in the dump", res)
    check_py_stack(mains[0], [("main", path, "time.sleep(3600)  # the main thread sleeps here"),
                              ("<module>", path, "main()")], res)


def test_python_busy_loop(shim):
    """STALLWATCH_BUSY: a single-threaded script spinning in pure Python (no call that could
    block) is reported as busy, with the line it spins on; the script finishes as without us."""
    plain = subprocess.run([PYTHON, script("busy_loop.py"), "4"], capture_output=True, text=True)
    res = run_python(shim, "busy_loop.py", "4", env={"STALLWATCH_BUSY": "1s"})
    check(res.returncode == plain.returncode == 0 and res.stdout == plain.stdout == "done\n",
          "the script did not run as without the shim", res)
    stalls = [r for r in res.reports if r["event"] == "stall"]
    check(stalls, "busy script not reported", res)
    r = stalls[0]
    t = r["threads"][0]
    check(t["tid"] == r["pid"] and t["class"] == "busy" and t["call"] == "busy", "class/call",
          res)
    check(t.get("capture") == "signal", "the running stack was not captured by signal", res)
    path = script("busy_loop.py")
    check_py_stack(t, [("spin", path,
                        "while time.monotonic() < deadline: turns += 1  # spins here"),
                       ("main", path, "turns = spin(float(sys.argv[1]))"),
                       ("<module>", path, "main()")], res)


def test_python_lock_owner_gets_its_python_stack(shim):
    """A wait-for chain in a Python program: the main thread waits for a pthread mutex (taken
    through ctypes) that another Python thread holds; both the waiter and the owner come with
    their Python stacks."""
    res = run_python(shim, "mutex_owner.py", env={"STALLWATCH_LOCK": "500ms"}, reports=1)
    check(res.reports, "no report", res)
    r = res.reports[0]
    waiter = r["threads"][0]
    check(waiter["call"] == "pthread_mutex_lock" and waiter["tid"] == r["pid"], "waiter", res)
    check(len(r["threads"]) >= 2, "no owner in the report", res)
    owner = r["threads"][1]
    check(owner.get("role") == "owner" and owner["tid"] == waiter.get("owner_tid"),
          "the second thread is not the owner", res)
    path = script("mutex_owner.py")
    check_py_stack(waiter, [("wait_for_the_mutex", path,
                             "libc.pthread_mutex_lock(mutex)  # the main thread waits here"),
                            ("main", path, "wait_for_the_mutex()")], res)
    check_py_stack(owner, [("hold_the_mutex", path, "time.sleep(3600)  # the owner sleeps here")],
                   res)


def libpython_path():
    out = subprocess.run([PYTHON, "-c", "import os, sysconfig; print(os.path.join("
                          "sysconfig.get_config_var('LIBDIR'), "
                          "sysconfig.get_config_var('INSTSONAME')))"],
                         capture_output=True, text=True).stdout.strip()
    check(out and os.path.exists(out),
          "libpython is not installed (Debian: libpython3.11, see scripts/deps.sh): %r" % out)
    return out


def test_python_embedded_interpreter_loaded_after_start(shim):
    """An embedding program that loads libpython with dlopen after a first report: the
    interpreter is found in the new module (no dlsym at stall time), and the next stall, in
    the script it runs, has the script's Python stack. The first report has none."""
    lib = libpython_path()
    res = shim.run(["embed_python", lib, script("lock_main.py")],
                   env={"STALLWATCH_HEARTBEAT": "main", "STALLWATCH_THRESHOLD": "500ms"},
                   reports=3, timeout=20)
    stalls = [r for r in res.reports if r["event"] == "stall"]
    check(len(stalls) >= 2, "expected a stall, its recovery and a second stall", res)
    first, second = stalls[0], stalls[1]
    check(first["threads"][0]["call"] == "usleep", "the first stall is not the C program's sleep",
          res)
    check(not any("python_frames" in t for t in first["threads"]),
          "Python frames before any Python was loaded", res)
    t = second["threads"][0]
    path = script("lock_main.py")
    check_py_stack(t, [("wait_for_config", path, LOCK_MAIN_WAITS),
                       ("main", path, "wait_for_config()")], res)
    check(any(f.get("module", "").endswith(os.path.basename(lib)) for f in t["frames"]),
          "no native frame in libpython", res)


def test_python_dump_past_its_budget_is_dropped_with_a_note(shim):
    """A dump that does not finish within its budget (40 threads deep in a function with a
    500-character non-ASCII name take CPython seconds to write out) is dropped: the report is
    written on time, with a note instead of Python frames, and the native frames symbolized."""
    seen = {}

    def started(proc, stdout_path):
        wait_for_output(stdout_path, "ready", timeout=20)
        seen["ready"] = time.monotonic()

    res = run_python(shim, "slow_dump.py", env={"STALLWATCH_HEARTBEAT": "main",
                                                "STALLWATCH_THRESHOLD": "500ms",
                                                "STALLWATCH_SYMBOLIZE_TIMEOUT": "600ms"},
                     reports=1, timeout=25, on_start=started)
    elapsed = time.monotonic() - seen["ready"]
    check(res.reports, "no report", res)
    t = res.reports[0]["threads"][0]
    check(t["tid"] == res.reports[0]["pid"], "not the main thread", res)
    check("python_frames" not in t, "Python frames from a dump that cannot have finished", res)
    check("Python stacks were not all dumped in time" in t.get("note", ""),
          "no note about the Python dump's budget: %r" % t.get("note"), res)
    check(any(f.get("function") == "PyThread_acquire_lock_timed" for f in t["frames"]),
          "the native frames were not symbolized", res)
    # Writing the dump takes CPython ~4 s here; the report came after the threshold and the
    # budget (0.5 s + at most 0.3 s for Python), plus the harness's 0.2 s.
    check(elapsed < 3.0, "the report waited for the dump: %.1fs" % elapsed, res)


def test_python_program_unchanged_while_its_stacks_are_dumped(shim):
    """Dumps taken again and again (a stall every 30 ms, every thread's stack each time) while
    threads run Python code, start and exit: the program computes, prints and exits exactly as
    without the shim (the dump runs in a copy of the process: a dump that trips over a thread
    mid-change cannot take the program down)."""
    plain = subprocess.run([PYTHON, script("dumped_while_running.py"), "60"],
                           capture_output=True, text=True)
    check(plain.returncode == 0, "the script fails without the shim: %s" % plain.stderr)
    res = run_python(shim, "dumped_while_running.py", "60",
                     env={"STALLWATCH_WAIT": "10ms", "STALLWATCH_ALL_THREADS": "1",
                          "STALLWATCH_RATE": "off", "STALLWATCH_REPEAT": "off"}, timeout=60)
    check(res.returncode == 0 and res.stdout == plain.stdout and res.stderr == plain.stderr,
          "the program did not run as without the shim", res)
    stalls = [r for r in res.reports if r["event"] == "stall"]
    check(len(stalls) >= 10, "too few reports to mean anything: %d" % len(stalls), res)
    consumer = [r["threads"][0] for r in stalls if "consume" in py_functions(r["threads"][0])]
    check(len(consumer) >= len(stalls) // 2, "the consumer's Python stack is missing from most "
          "reports (%d of %d)" % (len(consumer), len(stalls)), res)


def test_python_stack_in_the_text_format(shim):
    """The text format prints a "Python stack:" block after a thread's native frames, one
    "py#k function (file:line)" line per frame."""
    res = run_python(shim, "lock_main.py", env={"STALLWATCH_HEARTBEAT": "main",
                                                "STALLWATCH_THRESHOLD": "500ms"},
                     fmt="text", reports=1)
    lines = [l for l in res.report_lines if l.startswith("stallwatch #1 ")]
    check(lines, "no report", res)
    body = [l[len("stallwatch #1 "):] for l in lines]
    check("Python stack:" in body, "no Python stack block", res)
    k = body.index("Python stack:")
    check(body[k - 1].startswith("#") and body[k - 1].split()[1].startswith("0x"),
          "the block does not follow the native frames", res)
    path = script("lock_main.py")
    want = ["py#0 wait_for_config (%s:%d)" % (path, line_of(path, LOCK_MAIN_WAITS)),
            "py#1 main (%s:%d)" % (path, line_of(path, "wait_for_config()")),
            "py#2 <module> (%s:%d)" % (path, line_of(path, "main()"))]
    got = body[k + 1:k + 4]
    check(got == want, "Python frame lines %r, expected %r" % (got, want), res)


def test_python_absent_from_a_c_programs_reports(shim):
    """A C program's reports carry no python_frames and no note about Python."""
    res = shim.run(["abba"], env={"STALLWATCH_LOCK": "500ms", "STALLWATCH_ALL_THREADS": "1"},
                   reports=1)
    check(res.reports, "no report", res)
    for t in res.reports[0]["threads"]:
        check("python_frames" not in t, "python_frames in a C program", res)
        check("Python" not in t.get("note", ""), "a note about Python in a C program", res)
