"""Integration tests of the product surface: reports through a real rsyslogd and through
journald's native protocol, the stallwatch command, the installed tree and the Debian package.
Collected by run.py with the tests in it."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from harness import Failure, check, functions, read_lines

RSYSLOG_CONF = """
global(workDirectory="{d}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{d}/log.sock")
input(type="imuxsock" Socket="{d}/log5424.sock" UseSpecialParser="off" ParseHostname="on"
      Ruleset="r5424")
template(name="legacy" type="string" string="%syslogtag%|%pri%|%msg%\\n")
template(name="rfc5424" type="string"
         string="%app-name%|%procid%|%msgid%|%structured-data%|%msg%\\n")
*.* action(type="omfile" file="{d}/legacy.log" template="legacy")
ruleset(name="r5424") {{ action(type="omfile" file="{d}/rfc5424.log" template="rfc5424") }}
"""


class Rsyslog:
    """A private rsyslogd: its own config, sockets and output files in a temporary directory."""

    def __init__(self):
        self.exe = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
        if not os.path.exists(self.exe):
            raise Failure("rsyslogd is not installed (scripts/deps.sh installs rsyslog)")
        self.dir = tempfile.mkdtemp(prefix="stallwatch-rsyslog-")
        conf = os.path.join(self.dir, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write(RSYSLOG_CONF.format(d=self.dir))
        self.proc = subprocess.Popen([self.exe, "-n", "-f", conf, "-i",
                                      os.path.join(self.dir, "pid")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        deadline = time.monotonic() + 10
        while not all(os.path.exists(self.path(s)) for s in ("log.sock", "log5424.sock")):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode("utf-8", "replace")
                self.stop()
                raise Failure("rsyslogd did not start: %s" % err)
            time.sleep(0.05)

    def path(self, name):
        return os.path.join(self.dir, name)

    def lines(self, name, count, timeout=10.0):
        """The lines of an output file once it has at least count of them."""
        deadline = time.monotonic() + timeout
        while True:
            lines = read_lines(self.path(name))
            if len(lines) >= count or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def test_rsyslogd_writes_one_line_per_record(shim):
    """A real rsyslogd (Debian's) on a private socket: every record of a deadlock report
    arrives as one line with the program's tag, priority user.warning, the report number,
    both thread names and symbolized frames; the same report in the file output says the
    same threads."""
    rs = Rsyslog()
    try:
        env = {"STALLWATCH_LOCK": "500ms", "STALLWATCH_SYSLOG_SOCKET": rs.path("log.sock")}
        res = shim.run(["abba"], env=env, reports=1, fmt="text",
                       output="syslog,file:{reports}")
        copy = res.report_lines
        check(copy, "no copy of the report in the file output", res)
        lines = rs.lines("legacy.log", len(copy))
    finally:
        rs.stop()
    check(len(lines) == len(copy), "rsyslogd wrote %d lines for %d records:\n%s"
          % (len(lines), len(copy), "\n".join(lines)), res)
    for line, record in zip(lines, copy):
        tag, pri, msg = line.split("|", 2)
        check(re.match(r"^abba\[\d+\]:$", tag), "tag %r" % tag, res)
        check(pri == "12", "priority %s, expected user.warning (12)" % pri, res)
        check(msg.strip() == record, "rsyslogd line differs from the record:\n%s\n%s"
              % (msg, record), res)
    text = "\n".join(lines)
    check(all(re.search(r"\| stallwatch #1 ", l) for l in lines), "report number", res)
    for name, func in [("worker-a", "take_b_after_a"), ("worker-b", "take_a_after_b")]:
        check('name="%s"' % name in text, "%s not named" % name, res)
        check(re.search(r"#\d+ 0x[0-9a-f]+ %s \(.*abba\.c:\d+\)" % func, text),
              "frame %s with its source line missing" % func, res)


def test_rsyslogd_parses_rfc5424_structured_data(shim):
    """STALLWATCH_SYSLOG_FORMAT=rfc5424: rsyslogd's RFC 5424 parser takes APP-NAME, PROCID,
    the event as MSGID and the structured data (report, event, tid, thread, call,
    fingerprint) of every record."""
    rs = Rsyslog()
    try:
        env = {"STALLWATCH_LOCK": "500ms", "STALLWATCH_SYSLOG_SOCKET": rs.path("log5424.sock"),
               "STALLWATCH_SYSLOG_FORMAT": "rfc5424"}
        res = shim.run(["abba"], env=env, reports=1, fmt="json", output="syslog,file:{reports}")
        check(len(res.reports) == 1, "expected one report", res)
        report = res.reports[0]
        lines = rs.lines("rfc5424.log", 1)
    finally:
        rs.stop()
    check(len(lines) == 1, "expected one record (a JSON report is one):\n%s"
          % "\n".join(lines), res)
    app, procid, msgid, sd, msg = lines[0].split("|", 4)
    t0 = report["threads"][0]
    check(app == "abba" and procid == str(report["pid"]) and msgid == "deadlock",
          "header %r" % lines[0][:80], res)
    want = ('[stallwatch@32473 report="1" event="deadlock" tid="%d" thread="%s" '
            'call="pthread_mutex_lock" fingerprint="%s"]'
            % (t0["tid"], t0["name"], report["fingerprint"]))
    check(sd == want, "structured data %s, expected %s" % (sd, want), res)
    check(json.loads(msg) == report, "the message is not the report", res)


def parse_journal_entry(data):
    """journald's native protocol, decoded independently of the shim's encoder."""
    fields, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        eq = data.find(b"=", i, nl)
        if eq >= 0:
            name, value, i = data[i:eq], data[eq + 1:nl], nl + 1
        else:
            name = data[i:nl]
            size = int.from_bytes(data[nl + 1:nl + 9], "little")
            value = data[nl + 9:nl + 9 + size]
            if data[nl + 9 + size:nl + 10 + size] != b"\n":
                raise Failure("binary field %r not followed by a newline" % name)
            i = nl + 10 + size
        fields.setdefault(name.decode(), []).append(value.decode("utf-8", "replace"))
    return fields


def receive_journal(sock, count, timeout=10.0):
    """Entries sent to sock: datagrams, or sealed memfds passed with SCM_RIGHTS."""
    entries, deadline = [], time.monotonic() + timeout
    sock.settimeout(0.1)
    while len(entries) < count and time.monotonic() < deadline:
        try:
            data, anc, _, _ = sock.recvmsg(1 << 20, socket.CMSG_SPACE(4 * 4))
        except socket.timeout:
            continue
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fd = int.from_bytes(payload[:4], "little")
                with os.fdopen(fd, "rb") as f:
                    data = f.read()
        entries.append(parse_journal_entry(data))
    return entries


def journal_run(shim, fmt):
    tmp = tempfile.mkdtemp(prefix="stallwatch-journal-")
    path = os.path.join(tmp, "socket")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(path)
        # As a parallel launcher (Slurm) would start it: the job and rank go into the fields.
        env = {"STALLWATCH_LOCK": "500ms", "STALLWATCH_JOURNAL_SOCKET": path,
               "SLURM_JOB_ID": "881", "SLURM_STEP_ID": "2", "SLURM_PROCID": "3",
               "SLURM_NTASKS": "4"}
        res = shim.run(["abba"], env=env, reports=1, fmt=fmt, output="journal,file:{reports}")
        copy = res.report_lines
        entries = receive_journal(sock, 1)
    finally:
        sock.close()
        shutil.rmtree(tmp, ignore_errors=True)
    check(len(entries) == 1, "expected one journal entry, got %d" % len(entries), res)
    return res, entries[0], copy


def check_journal_fields(res, e, report):
    one = {k: v[0] for k, v in e.items()}
    check(all(len(v) == 1 for v in e.values()), "a field appears twice: %s" % e, res)
    t0 = report["threads"][0]
    expected = {"PRIORITY": "4", "SYSLOG_IDENTIFIER": "abba", "SYSLOG_FACILITY": "1",
                "STALLWATCH_EVENT": "deadlock", "STALLWATCH_REPORT": "1",
                "STALLWATCH_TID": str(t0["tid"]), "STALLWATCH_THREAD": t0["name"],
                "STALLWATCH_CALL": "pthread_mutex_lock", "STALLWATCH_CLASS": "lock",
                "STALLWATCH_FINGERPRINT": report["fingerprint"],
                "STALLWATCH_HOST": socket.gethostname(), "STALLWATCH_JOB": "881.2",
                "STALLWATCH_RANK": "3"}
    for k, v in expected.items():
        check(one.get(k) == v, "%s=%r, expected %r" % (k, one.get(k), v), res)
    func = {"worker-a": "take_b_after_a", "worker-b": "take_a_after_b"}[t0["name"]]
    check(one.get("CODE_FUNC") == func and one.get("CODE_FILE", "").endswith("abba.c")
          and int(one.get("CODE_LINE", "0")) > 0,
          "CODE_FUNC/FILE/LINE %s %s %s, expected %s in abba.c"
          % (one.get("CODE_FUNC"), one.get("CODE_FILE"), one.get("CODE_LINE"), func), res)
    check(int(one["STALLWATCH_WAITED_MS"]) >= 500, "waited_ms", res)


def test_journal_native_protocol_text(shim):
    """STALLWATCH_OUTPUT=journal on a socket the test binds: one entry per report, the whole
    text report as a multi-line MESSAGE (binary-safe field), and the fields a fleet queries."""
    res, e, copy = journal_run(shim, "text")
    check(e["MESSAGE"][0].split("\n") == copy, "MESSAGE is not the text report", res)
    # The same report in JSON is not at hand: build the expectations from the text.
    check(' host="%s" job="881.2" rank=3 size=4 ' % socket.gethostname() in copy[0],
          "who wrote it: %s" % copy[0], res)
    m = re.search(r"fingerprint=([0-9a-f]{16}) tid=(\d+) name=\"([^\"]+)\"", copy[0])
    check(m, "first record has no fingerprint/tid/name: %s" % copy[0], res)
    report = {"fingerprint": m.group(1),
              "threads": [{"tid": int(m.group(2)), "name": m.group(3)}]}
    check_journal_fields(res, e, report)


def test_journal_native_protocol_json(shim):
    """With STALLWATCH_FORMAT=json the journal MESSAGE is the JSON report itself."""
    res, e, copy = journal_run(shim, "json")
    report = json.loads(e["MESSAGE"][0])
    check(report == json.loads(copy[0]), "MESSAGE is not the JSON report", res)
    check((report.get("host"), report.get("job"), report.get("rank"), report.get("size"))
          == (socket.gethostname(), "881.2", 3, 4), "who wrote it: %s" % report, res)
    check_journal_fields(res, e, report)


def test_journal_absent_falls_back_to_stderr(shim):
    """No journald at the socket path: the report goes to stderr with one note naming the
    socket."""
    res = shim.run(["abba"], env={"STALLWATCH_LOCK": "500ms",
                                  "STALLWATCH_JOURNAL_SOCKET": "/nonexistent/journal"},
                   output="journal", fmt="text", reports=0, timeout=4)
    notes = [l for l in res.stderr.splitlines() if "journal socket" in l]
    check(len(notes) == 1 and "/nonexistent/journal" in notes[0], "no single note", res)
    check("stallwatch #1 deadlock" in res.stderr, "the report did not reach stderr", res)


# ---- the stallwatch command ----

def cli_path(shim):
    if not shim.cli or not os.path.exists(shim.cli):
        raise Failure("the stallwatch command was not built (--cli)")
    return shim.cli


def run_cli(shim, argv, env=None, timeout=15.0, until=None):
    """Runs argv without any preload of ours (the command adds it), only the sanitizer
    runtime in a sanitizer build, which must come first as a user would put it. until=(path,
    n): stops the program once path has n lines. Returns (returncode or None if stopped, out,
    err)."""
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith("STALLWATCH_") and k != "LD_PRELOAD"}
    if shim.preload_first:
        full_env["LD_PRELOAD"] = " ".join(shim.preload_first)
        full_env["ASAN_OPTIONS"] = "detect_leaks=0:halt_on_error=1"
    for k, v in (env or {}).items():
        full_env[k] = " ".join(shim.preload_first + [v]) if k == "LD_PRELOAD" else v
    proc = subprocess.Popen(argv, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + timeout
    stopped = False
    while proc.poll() is None:
        if (until and len(read_lines(until[0])) >= until[1]) or time.monotonic() > deadline:
            time.sleep(0.2 if until else 0)
            os.killpg(proc.pid, signal.SIGKILL)
            stopped = True
            break
        time.sleep(0.02)
    out, err = proc.communicate()
    return (None if stopped else proc.returncode, out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"))


def cli_report(shim, cli, options, prog, extra_env=None):
    """The JSON report `cli OPTIONS --format json -o file:PATH PROG` writes to the file; the
    program is stopped once it is written."""
    with tempfile.TemporaryDirectory(prefix="stallwatch-cli-") as tmp:
        path = os.path.join(tmp, "reports")
        rc, out, err = run_cli(shim, [cli] + options + ["-o", "file:" + path, "--format", "json",
                                                        shim.prog(prog)],
                               env=extra_env, until=(path, 1))
        lines = read_lines(path)
    check(len(lines) == 1, "no report from %s: rc=%s\n%s%s" % (cli, rc, out, err))
    return json.loads(lines[0])


def cli_deadlock_report(shim, cli, extra_env=None):
    """A deadlock run through the command: the JSON report it writes to a file."""
    r = cli_report(shim, cli, ["--lock", "500ms"], "abba", extra_env)
    names = {t["name"] for t in r["threads"]}
    check(r["event"] == "deadlock" and names >= {"worker-a", "worker-b"},
          "not the deadlock report: %s" % json.dumps(r))
    return r


# descend() frames of deep_lock's stalled thread (tests/progs/deep_lock.c: depths 40 to 0).
DEEP_LOCK_CALLS = 41


def cli_deep_lock_stack(shim, cli, options):
    """The stalled thread of deep_lock run through the command with options."""
    r = cli_report(shim, cli, ["--lock", "500ms"] + options, "deep_lock")
    t = r["threads"][0]
    check(t.get("name") == "deep" and t["call"] == "pthread_mutex_lock",
          "not deep_lock's stall: %s" % json.dumps(r))
    return t


def test_command_runs_a_program_under_the_shim(shim):
    """stallwatch [OPTIONS] COMMAND: the options become the settings (a deadlock reported
    after --lock, in --format json, to the -o file; --frames 12 keeps exactly the 12
    innermost frames of a deeper stack, which the default shows whole), the library is found
    beside the command, and COMMAND's arguments are its own."""
    cli = cli_path(shim)
    cli_deadlock_report(shim, cli)
    whole = cli_deep_lock_stack(shim, cli, [])
    check(functions(whole).count("descend") == DEEP_LOCK_CALLS and len(whole["frames"]) > 12,
          "without --frames, not the whole stack: %s" % functions(whole))
    cut = cli_deep_lock_stack(shim, cli, ["--frames", "12"])
    check(len(cut["frames"]) == 12, "--frames 12 gave %d frames" % len(cut["frames"]))
    check(functions(cut) == functions(whole)[:12],
          "--frames 12 did not keep the innermost frames: %s" % functions(cut))


def test_command_sets_the_environment_and_keeps_ld_preload(shim):
    """Every option sets its variable; the library is added after an LD_PRELOAD already set;
    options after COMMAND belong to COMMAND."""
    cli = cli_path(shim)
    options = [cli, "-t", "3s", "--lock", "2s", "--disk", "1500ms", "--peer", "1m", "--wait",
               "off", "--idle", "10s", "--busy", "4s", "--heartbeat", "main,io-*", "-o",
               "stderr", "--output", "file:/tmp/x", "--format", "json", "--all-threads",
               "--abort", "--frames", "9"]
    rc, out, err = run_cli(shim, options + ["--", "env", "--lock"],
                           env={"LD_PRELOAD": "/nonexistent/first.so"})
    # env(1) itself rejects "--lock": its exit status must come back unchanged.
    check(rc == 125, "env's own status 125 not passed through: %s %s" % (rc, err))
    rc, out, err = run_cli(shim, options + ["env"], env={"LD_PRELOAD": "/nonexistent/first.so"})
    check(rc == 0, "env failed: %s" % err)
    got = dict(l.split("=", 1) for l in out.splitlines() if "=" in l)
    want = {"STALLWATCH_THRESHOLD": "3s", "STALLWATCH_LOCK": "2s", "STALLWATCH_DISK": "1500ms",
            "STALLWATCH_PEER": "1m", "STALLWATCH_WAIT": "off", "STALLWATCH_IDLE": "10s",
            "STALLWATCH_BUSY": "4s", "STALLWATCH_HEARTBEAT": "main,io-*",
            "STALLWATCH_OUTPUT": "stderr,file:/tmp/x", "STALLWATCH_FORMAT": "json",
            "STALLWATCH_ALL_THREADS": "1", "STALLWATCH_ACTION": "abort",
            "STALLWATCH_FRAMES": "9"}
    for k, v in want.items():
        check(got.get(k) == v, "%s=%r, expected %r" % (k, got.get(k), v))
    check(got.get("LD_PRELOAD") == " ".join(shim.preload_first + ["/nonexistent/first.so",
                                                                  os.path.realpath(shim.lib)]),
          "LD_PRELOAD=%r" % got.get("LD_PRELOAD"))


def test_command_refuses_bad_usage_with_status_2(shim):
    """A bad value (checked by the shim's own parser, so in its words), an unknown option or
    no command: exit status 2, one line on stderr, COMMAND never started."""
    cli = cli_path(shim)
    with tempfile.TemporaryDirectory(prefix="stallwatch-cli-") as tmp:
        marker = os.path.join(tmp, "ran")
        cmd = ["sh", "-c", "touch " + marker]
        cases = [(["--lock", "-3s"], '--lock "-3s" is not a duration'),
                 (["--frames", "0"], '--frames "0"'),
                 (["-o", "stdout"], '--output "stdout" has bad item'),
                 (["--format", "yaml"], '--format "yaml"'),
                 (["--heartbeat", "[a"], '--heartbeat "[a"'),
                 (["--no-such-option"], "unrecognized option"),
                 ([], None)]
        for args, words in cases:
            argv = [cli] + args + (cmd if words else [])
            rc, out, err = run_cli(shim, argv)
            lines = [l for l in err.splitlines() if l]
            check(rc == 2, "%s: status %s, expected 2 (%s)" % (args, rc, err))
            check(not os.path.exists(marker), "%s: the command ran" % args)
            if words and "unrecognized" not in words:
                check(len(lines) == 1 and lines[0].startswith("stallwatch: ") and words in lines[0],
                      "%s: expected one line with %r, got %r" % (args, words, err))
            else:
                check(lines and all(l.startswith(("stallwatch", cli)) for l in lines),
                      "%s: %r" % (args, err))


def settings_table():
    """The rows of src/core/settings.def, read by the script that generates stallwatch(1)."""
    import importlib.util
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    spec = importlib.util.spec_from_file_location(
        "gen_settings_doc", os.path.join(root, "scripts", "gen_settings_doc.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen.read_table(os.path.join(root, "src", "core", "settings.def"))


def test_command_help_names_each_options_variable(shim):
    """--help lists every option of the settings table, each with the variable it sets, in
    option lines of at most 80 columns."""
    cli = cli_path(shim)
    rc, out, err = run_cli(shim, [cli, "--help"])
    check(rc == 0 and err == "", "--help: status %s, %r" % (rc, err))
    lines = out.splitlines()
    check(all(len(l) <= 80 for l in lines if l.startswith("  ")),
          "option lines over 80 columns:\n" + out)
    for row in settings_table():
        if not row["option"]:
            continue
        # The option lines (the usage lines above them name a few options of subcommands).
        at = [i for i, l in enumerate(lines)
              if l.lstrip().startswith("-") and re.search(r"--%s\b" % row["option"], l)]
        check(len(at) == 1, "--%s listed %d times:\n%s" % (row["option"], len(at), out))
        entry = " ".join(lines[at[0]:at[0] + 2])
        check("STALLWATCH_" + row["name"] in entry,
              "--%s does not name STALLWATCH_%s:\n%s" % (row["option"], row["name"], out))


def test_command_exit_status_is_the_commands(shim):
    """COMMAND's exit status and output come back unchanged; 127 when COMMAND does not exist,
    126 when it cannot be run."""
    cli = cli_path(shim)
    rc, out, err = run_cli(shim, [cli, shim.prog("hello")])
    check(rc == 7 and out == "hello from the host program\n", "hello: %s %r %r" % (rc, out, err))
    rc, out, err = run_cli(shim, [cli, "/nonexistent/program"])
    check(rc == 127 and "/nonexistent/program" in err, "missing command: %s %r" % (rc, err))
    with tempfile.NamedTemporaryFile(prefix="stallwatch-noexec-") as f:
        rc, out, err = run_cli(shim, [cli, f.name])
    check(rc == 126, "non-executable command: %s %r" % (rc, err))
    rc, out, err = run_cli(shim, [cli, "sh", "-c", "exit 42"])
    check(rc == 42, "sh -c 'exit 42' gave %s" % rc)


def test_command_check_says_when_a_program_can_never_be_watched(shim):
    """--check names what stands between the shim and a program: a statically linked program
    (no dynamic loader runs, nothing is preloaded) and a set-user-ID program of another user
    (secure-execution mode: the loader ignores LD_PRELOAD paths). Status 1 for each."""
    cli = cli_path(shim)
    with tempfile.TemporaryDirectory(prefix="stallwatch-check-") as tmp:
        sock_path = os.path.join(tmp, "log")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(sock_path)
        env = {"STALLWATCH_SYSLOG_SOCKET": sock_path}
        try:
            rc, out, _ = run_cli(shim, [cli, "--check", shim.prog("hello_static")], env=env)
            check(rc == 1 and re.search(r"PROBLEM: .*hello_static is statically linked", out),
                  "a static program passed --check:\n" + out)
            rc, out, _ = run_cli(shim, [cli, "--check", shim.prog("hello")], env=env)
            check(rc == 0 and "statically linked" not in out, "hello is dynamic:\n" + out)
            if os.geteuid() == 0:
                suid = os.path.join(tmp, "hello_suid")
                shutil.copy(shim.prog("hello"), suid)
                os.chmod(tmp, 0o755)
                os.chown(suid, 65534, -1)
                os.chmod(suid, 0o4755)
                rc, out, _ = run_cli(shim, [cli, "--check", suid], env=env)
                check(rc == 1 and re.search(r"PROBLEM: .*hello_suid is set-user-ID .*"
                                            r"secure-execution mode", out),
                      "a set-user-ID program of another user passed --check:\n" + out)
            else:
                print("note: not root, the set-user-ID case is not checked")
        finally:
            sock.close()


def test_command_check_judges_the_job_directory(shim):
    """--check with STALLWATCH_JOB_DIR: a directory others may write to, one of another user,
    a missing one and a job without launcher variables are problems (the shim would make or
    answer no request, silently); a good directory under an Open MPI rank's variables is
    named with its job and passes."""
    cli = cli_path(shim)
    with tempfile.TemporaryDirectory(prefix="stallwatch-check-") as tmp:
        sock_path = os.path.join(tmp, "log")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(sock_path)
        jobdir = os.path.join(tmp, "job")
        os.mkdir(jobdir, 0o755)
        rank = {"STALLWATCH_SYSLOG_SOCKET": sock_path, "OMPI_COMM_WORLD_RANK": "1",
                "OMPI_COMM_WORLD_SIZE": "4", "PMIX_NAMESPACE": "prterun-vm-77"}
        try:
            rc, out, _ = run_cli(shim, [cli, "--check", shim.prog("hello")],
                                 env=dict(rank, STALLWATCH_JOB_DIR=jobdir))
            check(rc == 0 and "job-wide dumps: %s (job prterun-vm-77)" % jobdir in out,
                  "a good job directory:\n" + out)
            os.chmod(jobdir, 0o777)
            rc, out, _ = run_cli(shim, [cli, "--check", shim.prog("hello")],
                                 env=dict(rank, STALLWATCH_JOB_DIR=jobdir))
            check(rc == 1 and re.search(r"PROBLEM: STALLWATCH_JOB_DIR .* is writable by every "
                                        r"user", out), "an other-writable directory:\n" + out)
            os.chmod(jobdir, 0o755)
            if os.geteuid() == 0:
                os.chown(jobdir, 65534, -1)
                rc, out, _ = run_cli(shim, [cli, "--check", shim.prog("hello")],
                                     env=dict(rank, STALLWATCH_JOB_DIR=jobdir))
                check(rc == 1 and "belongs to uid 65534" in out, "another user's:\n" + out)
                os.chown(jobdir, 0, -1)
            rc, out, _ = run_cli(shim, [cli, "--check", shim.prog("hello")],
                                 env=dict(rank, STALLWATCH_JOB_DIR=jobdir + "/missing"))
            check(rc == 1 and "cannot be used" in out, "a missing directory:\n" + out)
            rc, out, _ = run_cli(shim, [cli, "--check", shim.prog("hello")],
                                 env={"STALLWATCH_SYSLOG_SOCKET": sock_path,
                                      "STALLWATCH_JOB_DIR": jobdir})
            check(rc == 1 and "no parallel launcher's variables" in out,
                  "no job:\n" + out)
        finally:
            sock.close()


def test_command_check_says_where_reports_go(shim):
    """stallwatch --check: the effective settings, the capture signal, each destination and
    whether it answers, debuginfo of the command and its libraries; status 1 when something
    stands in the way."""
    cli = cli_path(shim)
    with tempfile.TemporaryDirectory(prefix="stallwatch-check-") as tmp:
        sock_path = os.path.join(tmp, "log")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(sock_path)
        try:
            rc, out, err = run_cli(shim, [cli, "--check", "--lock", "2s", "-o", "syslog",
                                    "-o", "file:" + os.path.join(tmp, "r"), shim.prog("abba")],
                                   env={"STALLWATCH_SYSLOG_SOCKET": sock_path})
        finally:
            sock.close()
        check(rc == 0 and "no problem found" in out, "expected no problem: %s\n%s" % (rc, out))
        check(re.search(r"STALLWATCH_LOCK\s+2s", out), "settings not shown:\n" + out)
        check(re.search(r"capture signal: SIGRTMIN\+\d+", out), "signal not shown:\n" + out)
        check(re.search(r"symbolizer: /\S*/stallwatch-symbolizer \(started at the first stall",
                        out), "the symbolizer program is not named:\n" + out)
        check("syslog via %s: answers" % sock_path in out, "syslog not checked:\n" + out)
        check("will be created" in out, "file output not checked:\n" + out)
        check(re.search(r"abba: in the file: names, files and lines", out),
              "abba's debuginfo not found:\n" + out)
        check(re.search(r"libc\.so\.6: .*(build-id|in the file)", out),
              "libc's debuginfo (libc6-dbg) not found:\n" + out)

        rc, out, err = run_cli(shim, [cli, "--check", shim.prog("abba_nodebug")],
                               env={"STALLWATCH_SYSLOG_SOCKET": sock_path,
                                    "STALLWATCH_LOCK": "soon"})
    check(rc == 1, "problems but status %s:\n%s" % (rc, out))
    check(re.search(r"PROBLEM: syslog via .* does not answer", out), "dead socket:\n" + out)
    check(re.search(r'PROBLEM: stallwatch: STALLWATCH_LOCK="soon"', out), "bad value:\n" + out)
    check(re.search(r"abba_nodebug: none found", out), "missing debuginfo not said:\n" + out)


# ---- install and package ----

def check_tree(prefix, res_name):
    """The installed layout under prefix; returns the library's path."""
    libs = []
    for root, _, files in os.walk(prefix):
        libs += [os.path.join(root, f) for f in files if f == "libstallwatch.so"]
    check(len(libs) == 1 and libs[0].endswith("/stallwatch/libstallwatch.so")
          and "/lib" in libs[0], "%s: library at %s" % (res_name, libs))
    for rel in ["bin/stallwatch", "include/stallwatch.h", "share/man/man1/stallwatch.1",
                "share/man/man7/stallwatch.7"]:
        check(os.path.isfile(os.path.join(prefix, rel)), "%s: %s missing" % (res_name, rel))
    pcs = [os.path.join(r, f) for r, _, fs in os.walk(prefix) for f in fs if f == "stallwatch.pc"]
    check(len(pcs) == 1 and "/pkgconfig/" in pcs[0], "%s: stallwatch.pc at %s" % (res_name, pcs))
    return libs[0], pcs[0]


def no_build_tree_reference(path, build_dir):
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
    check(build_dir not in out and "RUNPATH" not in out and "RPATH" not in out,
          "%s refers to the build tree or has a run path:\n%s" % (path, out))


def test_installed_tree_works_anywhere(shim):
    """cmake --install --prefix P lays out bin/stallwatch, lib/.../stallwatch/libstallwatch.so,
    the header, stallwatch.pc (whose preload variable names the library) and both man pages;
    moved elsewhere, the tree still runs a program under the shim (the command finds the
    library by a relative path, nothing points into the build tree)."""
    if not (shim.cmake and shim.build_dir):
        raise Failure("run.py needs --cmake and --build-dir")
    with tempfile.TemporaryDirectory(prefix="stallwatch-install-") as tmp:
        prefix = os.path.join(tmp, "prefix")
        r = subprocess.run([shim.cmake, "--install", shim.build_dir, "--prefix", prefix],
                           capture_output=True, text=True)
        check(r.returncode == 0, "install failed:\n%s%s" % (r.stdout, r.stderr))
        lib, pc = check_tree(prefix, "install")
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pc))
        q = subprocess.run(["pkg-config", "--variable=preload", "stallwatch"], env=env,
                           capture_output=True, text=True)
        check(os.path.realpath(q.stdout.strip()) == lib,
              "pkg-config preload=%r, expected %r" % (q.stdout, lib))
        q = subprocess.run(["pkg-config", "--cflags", "stallwatch"], env=env,
                           capture_output=True, text=True)
        flag = q.stdout.strip()
        check(flag.startswith("-I")
              and os.path.realpath(flag[2:]) == os.path.join(prefix, "include"),
              "pkg-config --cflags %r" % q.stdout)
        for f in (lib, os.path.join(prefix, "bin/stallwatch")):
            no_build_tree_reference(f, shim.build_dir)
        moved = os.path.join(tmp, "elsewhere")
        os.rename(prefix, moved)
        r = cli_deadlock_report(shim, os.path.join(moved, "bin/stallwatch"))
        man = subprocess.run(["man", "-l", os.path.join(moved, "share/man/man1/stallwatch.1")],
                             capture_output=True, text=True, env=dict(os.environ, MANWIDTH="80"))
        if man.returncode == 0:  # man-db may be absent; the files are checked above
            check("STALLWATCH_LOCK" in man.stdout and "--check" in man.stdout,
                  "stallwatch(1) does not document the settings")


def test_debian_package_installs_with_its_dependencies(shim):
    """cpack -G DEB builds stallwatch_VERSION_ARCH.deb: its metadata names the dependencies
    (libc6 >= 2.34, libdw1, libelf1), its contents are the install layout under /usr, dpkg
    accepts it on this Debian (a dry run checks the dependencies), and unpacked into a
    scratch root it runs a program under the shim."""
    if not (shim.cpack and shim.build_dir):
        raise Failure("run.py needs --cpack and --build-dir")
    if shutil.which("dpkg-deb") is None:
        raise Failure("dpkg-deb not found")
    with tempfile.TemporaryDirectory(prefix="stallwatch-deb-") as tmp:
        r = subprocess.run([shim.cpack, "-G", "DEB", "--config",
                            os.path.join(shim.build_dir, "CPackConfig.cmake"), "-B", tmp],
                           capture_output=True, text=True)
        debs = [f for f in os.listdir(tmp) if f.endswith(".deb")]
        check(r.returncode == 0 and len(debs) == 1, "cpack failed:\n%s%s" % (r.stdout, r.stderr))
        deb = os.path.join(tmp, debs[0])
        check(re.match(r"^stallwatch_\d+\.\d+\.\d+_[a-z0-9]+\.deb$", debs[0]),
              "package file name %s" % debs[0])
        info = subprocess.run(["dpkg-deb", "-f", deb], capture_output=True, text=True).stdout
        fields = dict(l.split(": ", 1) for l in info.splitlines() if ": " in l)
        check(fields.get("Package") == "stallwatch", "Package: %s" % fields.get("Package"))
        depends = fields.get("Depends", "")
        for dep in ["libc6 (>= 2.34)", "libdw1", "libelf1"]:
            check(dep in depends, "Depends lacks %s: %s" % (dep, depends))
        arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                              text=True).stdout.strip()
        check(fields.get("Architecture") == arch, "Architecture %s" % fields.get("Architecture"))
        listing = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True).stdout
        for path in ["./usr/bin/stallwatch", "/stallwatch/libstallwatch.so",
                     "./usr/include/stallwatch.h", "/pkgconfig/stallwatch.pc",
                     "./usr/share/man/man1/stallwatch.1", "./usr/share/man/man7/stallwatch.7"]:
            check(path in listing, "%s not in the package:\n%s" % (path, listing))
        if os.geteuid() == 0:
            dry = subprocess.run(["dpkg", "--dry-run", "-i", deb], capture_output=True,
                                 text=True)
            check(dry.returncode == 0, "dpkg --dry-run -i refused it:\n%s%s"
                  % (dry.stdout, dry.stderr))
        root = os.path.join(tmp, "root")
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
        check_tree(os.path.join(root, "usr"), "package")
        cli_deadlock_report(shim, os.path.join(root, "usr/bin/stallwatch"))


def test_reports_name_the_host_of_their_uts_namespace_and_the_job(shim):
    """A program in its own UTS namespace (as on another node) under an Open MPI launcher's
    variables: its reports say that node's name, the job, the rank and the size."""
    if shutil.which("unshare") is None:
        raise Failure("unshare is not installed (util-linux)")
    res = shim.run([shutil.which("unshare"), "-u", "sh", "-c",
                    "hostname node-b && exec %s" % shim.prog("abba")],
                   env={"STALLWATCH_LOCK": "500ms", "OMPI_COMM_WORLD_RANK": "0",
                        "OMPI_COMM_WORLD_SIZE": "2", "PMIX_NAMESPACE": "prterun-a-1@1"},
                   reports=1)
    r = res.reports[0]
    check((r.get("host"), r.get("job"), r.get("rank"), r.get("size"))
          == ("node-b", "prterun-a-1@1", 0, 2), "who wrote it: %s" % r, res)
