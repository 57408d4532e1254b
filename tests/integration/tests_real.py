"""Integration tests on real programs nobody here wrote, run under the shim as a user would
run them: Debian's postgres 15. Collected by run.py with the tests in it."""

import json
import os
import pwd
import re
import signal
import subprocess
import tempfile
import time

from harness import check

PG_BIN = "/usr/lib/postgresql/15/bin"


def pg_env(shim, tmp, extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("STALLWATCH_") and k != "LD_PRELOAD"}
    env.update({"LD_PRELOAD": " ".join(shim.preload_first + [shim.lib]),
                "ASAN_OPTIONS": "detect_leaks=0:halt_on_error=1",
                "STALLWATCH_OUTPUT": "file:" + os.path.join(tmp, "reports"),
                "STALLWATCH_FORMAT": "json"})
    env.update(extra)
    return env


def test_postgres_row_lock_wait_is_reported_with_its_title(shim):
    """Debian's postgres 15 under the shim, started as its own user: a backend's UPDATE waits
    5 s for a row another session's open transaction has updated. postgres waits for locks on
    its latch (epoll_wait, class idle; STALLWATCH_IDLE=2s here). The waiting backend is
    reported with its stack down to ProcSleep, its stable process name ("postgres") and the
    title postgres gave it ("UPDATE waiting"), then recovered. This is the program that
    found that a library constructor running before ours (libcap-ng's) kept every postgres
    process from ever starting its watching; and the postmaster forks its children from
    signal handlers."""
    if shim.preload_first:
        # postgres 15 hangs at start with the sanitizer runtime preloaded and no shim at all
        # (bindtextdomain waits for glibc's _nl_state_lock forever).
        print("note: not in the sanitizer build (postgres does not start under its runtime)")
        return
    check(os.path.exists(os.path.join(PG_BIN, "postgres")),
          "postgresql-15 is not installed (scripts/deps.sh installs it)")
    pw = pwd.getpwnam("postgres")
    as_pg = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid, "--clear-groups"]
    with tempfile.TemporaryDirectory(prefix="stallwatch-pg-") as tmp:
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
        os.chmod(tmp, 0o700)
        data = os.path.join(tmp, "data")
        plain = {k: v for k, v in os.environ.items()
                 if not k.startswith("STALLWATCH_") and k != "LD_PRELOAD"}
        init = subprocess.run(as_pg + [os.path.join(PG_BIN, "initdb"), "-D", data, "-A", "trust",
                                       "-U", "postgres", "--no-sync"],
                              env=plain, capture_output=True, text=True, timeout=120)
        check(init.returncode == 0, "initdb failed: %s" % init.stderr)
        port = "54%02d" % (os.getpid() % 100)
        log = open(os.path.join(tmp, "log"), "w")
        pm = subprocess.Popen(as_pg + [os.path.join(PG_BIN, "postgres"), "-D", data, "-k", tmp,
                                       "-p", port, "-c", "listen_addresses=", "-c", "fsync=off"],
                              env=pg_env(shim, tmp, {"STALLWATCH_IDLE": "2s"}),
                              stdout=log, stderr=subprocess.STDOUT)

        def psql(sql, **kw):
            return subprocess.Popen(as_pg + [os.path.join(PG_BIN, "psql"), "-h", tmp, "-p", port,
                                             "-U", "postgres", "-qAt", "-c", sql, "postgres"],
                                    env=plain, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, **kw)
        try:
            deadline = time.monotonic() + 30
            while psql("select 1").communicate()[0].strip() != "1":
                check(time.monotonic() < deadline and pm.poll() is None,
                      "postgres did not start: %s" % open(os.path.join(tmp, "log")).read())
                time.sleep(0.2)
            out, err = psql("create table t(k int primary key, v int); "
                            "insert into t values (1, 0)").communicate()
            check(err == "", "create failed: %s" % err)
            holder = psql("begin; update t set v = 1 where k = 1; select pg_sleep(6); commit")
            time.sleep(1)
            waiter = psql("update t set v = 2 where k = 1")
            _, werr = waiter.communicate(timeout=30)
            holder.communicate(timeout=30)
            check(waiter.returncode == 0, "the waiting update failed: %s" % werr)
            time.sleep(1.5)  # its recovered report: the watchdog's next looks
        finally:
            pm.send_signal(signal.SIGINT)  # fast shutdown
            try:
                pm.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pm.kill()
                pm.wait()
            log.close()
        reports = []
        if os.path.exists(os.path.join(tmp, "reports")):
            with open(os.path.join(tmp, "reports")) as f:
                reports = [json.loads(line) for line in f if line.strip()]
        logtext = open(os.path.join(tmp, "log")).read()
    check(pm.returncode == 0, "postgres did not shut down cleanly: %s" % logtext)
    check(not re.search(r"^stallwatch[:# ]", logtext, re.M),
          "a line of ours in postgres's log: %s" % logtext)
    waits = [r for r in reports if r["event"] == "stall" and
             "UPDATE waiting" in r.get("title", "")]
    check(len(waits) == 1, "no stall report titled UPDATE waiting: %s" %
          [(r["event"], r.get("title")) for r in reports])
    r = waits[0]
    t = r["threads"][0]
    check(r["process"] == "postgres" and t["call"] == "epoll_wait",
          "process %r call %r" % (r["process"], t["call"]))
    check(any(f.get("function") == "ProcSleep" for f in t["frames"]),
          "ProcSleep not in the waiting backend's stack: %s" %
          [f.get("function") for f in t["frames"]])
    check(any(x["event"] == "recovered" and x["pid"] == r["pid"] and
              x["threads"][0]["tid"] == t["tid"] for x in reports),
          "the wait was not recovered")
