"""Integration tests of reports across processes and hosts: `stallwatch triage` over the
reports of real runs (files, directories, standard input, journal exports), one group per
fingerprint with its counts, hosts and frames, and what is not a report skipped. Collected by
run.py with the tests in it."""

import json
import os
import shutil
import subprocess
import tempfile

from harness import Failure, check


def collect(shim, out_dir, name, argv, env, reports, host=None):
    """Runs argv under the shim with its JSON reports appended to out_dir/name; with host, in
    a UTS namespace of that node name."""
    if host is not None:
        argv = [shutil.which("unshare"), "-u", "sh", "-c",
                "hostname %s && exec %s" % (host, " ".join([shim.prog(argv[0])] + argv[1:]))]
    res = shim.run(argv, env=env, reports=reports)
    with open(os.path.join(out_dir, name), "a") as f:
        for r in res.reports:
            f.write(json.dumps(r) + "\n")
    return res


def triage(shim, *args, stdin=None):
    p = subprocess.run([shim.cli, "triage"] + list(args), capture_output=True, text=True,
                       input=stdin, timeout=60)
    return p


def test_triage_groups_real_reports_by_fingerprint_across_hosts(shim):
    """abba's deadlock on two nodes (UTS namespaces) and lock_briefly's stall that recovers,
    in a directory of report files with a few lines that are not reports: triage makes one
    deadlock group (count 2, both hosts, open, the workers' frames) and one stall group
    (recovered, nothing open), and counts the other lines as skipped."""
    if shutil.which("unshare") is None:
        raise Failure("unshare is not installed (util-linux)")
    d = tempfile.mkdtemp(prefix="stallwatch-triage-")
    try:
        lock = {"STALLWATCH_LOCK": "500ms"}
        collect(shim, d, "a.jsonl", ["abba"], lock, 1, host="node-a")
        collect(shim, d, "b.jsonl", ["abba"], lock, 1, host="node-b")
        res = collect(shim, d, "c.jsonl", ["lock_briefly", "1500"], lock, 2)
        check([r["event"] for r in res.reports] == ["stall", "recovered"], "lock_briefly",
              res)
        with open(os.path.join(d, "c.jsonl"), "a") as f:
            f.write("not a report\n{\"half\": \n[1,2]\n{\"no_event\":1}\n\n")
        p = triage(shim, "--format", "json", d)
        check(p.returncode == 0, "triage failed: %s" % p.stderr)
        out = json.loads(p.stdout)
        check(out["skipped"] == 4, "skipped %s" % out["skipped"], p.stdout)
        groups = {g["event"]: g for g in out["groups"]}
        check(len(out["groups"]) == 2 and set(groups) == {"deadlock", "stall"},
              "groups %s" % [(g["event"], g["count"]) for g in out["groups"]], p.stdout)
        dl = groups["deadlock"]
        check((dl["count"], dl["open"], dl["recovered"]) == (2, 2, 0), "deadlock counts %s"
              % dl, p.stdout)
        check(sorted(dl["hosts"]) == ["node-a", "node-b"], "hosts %s" % dl["hosts"])
        check(dl["processes"] == ["abba"], "processes %s" % dl["processes"])
        check(set(dl["threads"]) == {"worker-a", "worker-b"}, "threads %s" % dl["threads"])
        fns = [f["function"] for f in dl["frames"]]
        check(fns and fns[0] in ("take_b_after_a", "take_a_after_b"), "frames %s" % fns)
        check(all("libc.so" not in f.get("module", "") for f in dl["frames"]),
              "a libc frame among the program's own", p.stdout)
        st = groups["stall"]
        check((st["count"], st["open"], st["recovered"]) == (1, 0, 1), "stall counts %s" % st)
        check(st["longest_wait_ms"] >= 500, "longest wait %s" % st["longest_wait_ms"])
        check(out["groups"][0]["event"] == "deadlock", "open groups do not come first")
        # The same files on standard input, and the text table.
        with open(os.path.join(d, "a.jsonl")) as a, open(os.path.join(d, "b.jsonl")) as b:
            both = a.read() + b.read()
        p = triage(shim, "-", stdin=both)
        check(p.returncode == 0 and "2 reports in 1 input, 0 lines skipped, 1 group" in p.stdout
              and dl["fingerprint"] in p.stdout and "node-a, node-b" in p.stdout,
              "text table:\n%s" % p.stdout)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_triage_reads_journal_exports(shim):
    """`journalctl -o json` lines (made from the shim's own journal fields): a JSON MESSAGE is
    read as the report; a text MESSAGE falls back to the STALLWATCH_* fields."""
    report = {"event": "stall", "report": 1, "pid": 9, "process": "app", "host": "h1",
              "time": "2026-12-04T10:00:00.000Z", "fingerprint": "00000000000000aa",
              "threads": [{"tid": 9, "name": "main", "call": "read", "class": "peer",
                           "waited_ms": 4000,
                           "frames": [{"pc": "0x1", "module": "/usr/lib/libc.so.6",
                                       "function": "read"},
                                      {"pc": "0x2", "module": "/usr/bin/app",
                                       "function": "serve", "file": "app.c", "line": 3}]}]}
    lines = [json.dumps({"MESSAGE": json.dumps(report), "STALLWATCH_EVENT": "stall",
                         "_HOSTNAME": "h1"}),
             json.dumps({"MESSAGE": "stallwatch #2 recovered ...", "STALLWATCH_EVENT":
                         "recovered", "STALLWATCH_FINGERPRINT": "00000000000000aa",
                         "STALLWATCH_WAITED_MS": "5000", "_HOSTNAME": "h2",
                         "SYSLOG_IDENTIFIER": "app", "__REALTIME_TIMESTAMP":
                         "1796378401000000"}),
             json.dumps({"MESSAGE": "an unrelated journal entry", "_HOSTNAME": "h1"})]
    p = triage(shim, "--format", "json", "-", stdin="\n".join(lines) + "\n")
    check(p.returncode == 0, "triage failed: %s" % p.stderr)
    out = json.loads(p.stdout)
    check(out["skipped"] == 1 and len(out["groups"]) == 1, "out %s" % out)
    g = out["groups"][0]
    check((g["count"], g["recovered"], g["open"], g["longest_wait_ms"]) == (1, 1, 0, 5000),
          "counts %s" % g)
    check(sorted(g["hosts"]) == ["h1", "h2"], "hosts %s" % g["hosts"])
    check([f["function"] for f in g["frames"]] == ["serve"], "frames %s" % g["frames"])
    check(g["first"] == "2026-12-04T10:00:00.000Z" and g["last"] > g["first"],
          "times %s %s" % (g["first"], g["last"]))


def test_triage_refuses_bad_usage_and_missing_files(shim):
    """No path, an unknown option: usage and status 2. A path that does not exist: one line
    naming it, status 1, the other paths still read."""
    check(triage(shim).returncode == 2, "no path")
    check(triage(shim, "--frobnicate", "x").returncode == 2, "unknown option")
    p = triage(shim, "/nonexistent/reports", "-", stdin="")
    check(p.returncode == 1 and "/nonexistent/reports" in p.stderr
          and "0 reports in 1 input" in p.stdout, "missing file: %d %r %r"
          % (p.returncode, p.stderr, p.stdout))
