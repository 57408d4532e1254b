"""Runs programs under the shim and collects what it reported.

The integration tests use JSON reports written to a file (STALLWATCH_OUTPUT=file:...), one
object per line, and assert on them. Waiting is by polling the report file with generous
deadlines: tests assert on what happened, never on how fast (timing goals live in
scripts/bench).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time


class Failure(AssertionError):
    pass


def check(cond, msg, *context):
    if not cond:
        lines = [msg] + [str(c) for c in context]
        raise Failure("\n".join(lines))


class Result:
    def __init__(self, returncode, stdout, stderr, reports, report_lines):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.reports = reports
        self.report_lines = report_lines

    def __str__(self):
        return ("returncode=%r\n--- stdout\n%s--- stderr\n%s--- reports\n%s"
                % (self.returncode, self.stdout, self.stderr,
                   "\n".join(self.report_lines)))


# What memory checkers print when they find something in the shim.
SANITIZER_ERROR = re.compile(r"ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer")
VALGRIND_ERROR = re.compile(r"^==\d+== (Invalid (read|write|free)|Conditional jump|Use of "
                            r"uninitialised|Syscall param|Mismatched free|Source and destination"
                            r"|Argument .* of function|Jump to the invalid)", re.M)


class Shim:
    def __init__(self, lib, progs, preload_first=None, wrapper=None):
        """preload_first: libraries to preload before the shim (a sanitizer's runtime must
        come first). wrapper: a command line to run programs under (valgrind)."""
        self.lib = os.path.abspath(lib)
        self.progs = os.path.abspath(progs)
        self.preload_first = preload_first or []
        self.wrapper = wrapper or []

    def prog(self, name):
        return os.path.join(self.progs, name)

    def run(self, argv, env=None, reports=0, timeout=15.0, preload=True, fmt="json",
            output=None, stdin=subprocess.DEVNULL, on_start=None):
        """Runs argv under the shim. With reports=N, waits until N reports were written and
        then kills the program (SIGKILL: a deadlocked program never exits); otherwise waits
        for it to exit. on_start(proc, stdout_path), if given, runs once the program has
        started. Returns a Result with the parsed reports."""
        if not os.path.isabs(argv[0]):
            argv = [self.prog(argv[0])] + list(argv[1:])
        with tempfile.TemporaryDirectory(prefix="stallwatch-test-") as tmp:
            report_file = os.path.join(tmp, "reports")
            full_env = {k: v for k, v in os.environ.items()
                        if not k.startswith("STALLWATCH_") and k != "LD_PRELOAD"}
            if preload:
                full_env["LD_PRELOAD"] = " ".join(self.preload_first + [self.lib])
                full_env["ASAN_OPTIONS"] = "detect_leaks=0:halt_on_error=1"
                full_env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
                # "{reports}" in output stands for the file the reports are read back from.
                full_env["STALLWATCH_OUTPUT"] = (output.replace("{reports}", report_file)
                                                 if output else "file:" + report_file)
                full_env["STALLWATCH_FORMAT"] = fmt
            full_env.update(env or {})
            out_path = os.path.join(tmp, "stdout")
            err_path = os.path.join(tmp, "stderr")
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                if preload and self.wrapper:
                    argv = self.wrapper + list(argv)
                proc = subprocess.Popen(argv, env=full_env, stdout=out, stderr=err,
                                        stdin=stdin, start_new_session=True)
                if on_start is not None:
                    on_start(proc, out_path)
                deadline = time.monotonic() + timeout
                killed = False
                while True:
                    rc = proc.poll()
                    if rc is not None:
                        break
                    if reports and len(read_lines(report_file)) >= reports:
                        # Let a report being written finish its last line.
                        time.sleep(0.2)
                        kill(proc)
                        killed = True
                        break
                    if time.monotonic() > deadline:
                        kill(proc)
                        killed = True
                        break
                    time.sleep(0.02)
                rc = proc.wait()
            lines = read_lines(report_file)
            parsed = []
            if fmt == "json":
                for line in lines:
                    try:
                        parsed.append(json.loads(line))
                    except ValueError as e:
                        raise Failure("report is not valid JSON: %s\n%s" % (e, line))
            with open(out_path, "rb") as f:
                stdout = f.read().decode("utf-8", "replace")
            with open(err_path, "rb") as f:
                stderr = f.read().decode("utf-8", "replace")
            result = Result(None if killed else rc, stdout, stderr, parsed, lines)
            if preload and (SANITIZER_ERROR.search(stderr) or VALGRIND_ERROR.search(stderr)):
                raise Failure("memory checker error in the shim:\n%s" % result)
            if self.wrapper:
                # The program's own output, without the checker's lines.
                result.stderr = "".join(l for l in stderr.splitlines(True)
                                        if not re.match(r"^==\d+==", l))
            return result


def wait_for_output(path, text, timeout=10.0):
    """Waits until the file at path contains text."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path, "rb") as f:
            if text.encode() in f.read():
                return
        time.sleep(0.01)
    raise Failure("program never printed %r" % text)


def kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def read_lines(path):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return []
    # Only complete lines: a report is written whole, newline last.
    return [l for l in data.split("\n")[:-1] if l]


def functions(thread):
    return [f.get("function") for f in thread.get("frames", [])]


def thread_by_name(reports, name):
    for r in reports:
        t = r["threads"][0]
        if t.get("name") == name:
            return r, t
    return None, None


def source_line(path, marker):
    """1-based line number of the first line of path containing marker."""
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if marker in line:
                return i
    raise Failure("marker %r not in %s" % (marker, path))


def symbolizer_copy(shim, tmp):
    """A copy of the symbolizer program in tmp: STALLWATCH_SYMBOLIZER naming it gives the test
    a symbolizer of its own (the socket's name has the program's path), which the test can
    start, remove or kill without touching other tests' processes."""
    dst = os.path.join(tmp, "stallwatch-symbolizer")
    shutil.copy(os.path.join(os.path.dirname(shim.lib), "stallwatch-symbolizer"), dst)
    return dst


def symbolizer_pids(path):
    """The pids of running symbolizers started from path."""
    pids = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.readlink("/proc/%s/exe" % pid) == path:
                pids.append(int(pid))
        except OSError:
            pass
    return pids


def abba_expectations(stdout, res=None):
    m = re.search(r"a=(0x[0-9a-f]+) b=(0x[0-9a-f]+)", stdout)
    check(m, "abba did not print its mutex addresses", res)
    addr_a, addr_b = m.group(1), m.group(2)
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "progs", "abba.c")
    lines = [source_line(src, "pthread_mutex_lock(&b); /* deadlocks here */"),
             source_line(src, "pthread_mutex_lock(&a); /* deadlocks here */")]
    return {"worker-a": ("take_b_after_a", addr_b, lines[0]),
            "worker-b": ("take_a_after_b", addr_a, lines[1])}


def parse_eu_stack(text, module):
    """eu-stack -i -s -m output -> {tid: [(function, file, line), ...]} for frames in module."""
    threads, tid, frame = {}, None, None
    for line in text.splitlines():
        m = re.match(r"^TID (\d+):", line)
        if m:
            tid = int(m.group(1))
            threads[tid] = []
            continue
        m = re.match(r"^#\d+\s+0x[0-9a-f]+ (.*?) - (\S+)$", line)
        if m:
            frame = None
            if m.group(2) == module:
                frame = [m.group(1), None, None]
                threads[tid].append(frame)
            continue
        m = re.match(r"^\s+(\S+?):(\d+)(:\d+)?$", line)
        if m and frame is not None:
            frame[1], frame[2] = m.group(1), int(m.group(2))
    return {t: [tuple(f) for f in fs] for t, fs in threads.items()}
