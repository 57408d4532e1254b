"""Integration tests of MPI jobs under the shim: Debian's Open MPI (`mpirun --oversubscribe
--allow-run-as-root -np 4`) runs tests/progs/mpi_job.c with the shim preloaded in every rank.
The ranks that wait in a collective report it (class collective, the communicator, its size,
the collective's number on it, their rank in it), the late rank reports nothing; a receive
from a rank that never sends is a peer stall naming the peer and tag; a job without a stall
writes no report. Collected by run.py with the tests in it."""

import json
import os
import shutil
import subprocess
import tempfile
import time

from harness import Failure, check, functions

RANKS = 4


def mpirun(shim, argv, env, timeout=60):
    """Runs mpi_job ARGV as a job of four ranks under the shim (mpirun itself too, as a user
    who preloads the shim for a whole job would); every STALLWATCH_* variable and LD_PRELOAD
    is passed to the ranks."""
    mpirun_path = shutil.which("mpirun")
    if mpirun_path is None:
        raise Failure("mpirun is not installed (openmpi-bin: scripts/deps.sh installs it)")
    job = shim.prog("mpi_job")
    if not os.path.exists(job):
        raise Failure("mpi_job was not built: MPI was not found at configure time "
                      "(libopenmpi-dev)")
    names = ["LD_PRELOAD", "STALLWATCH_OUTPUT", "STALLWATCH_FORMAT", "ASAN_OPTIONS",
             "UBSAN_OPTIONS"] + sorted(env)
    forward = []
    for n in names:
        forward += ["-x", n]
    res = shim.run([mpirun_path, "--oversubscribe", "--allow-run-as-root", "-np", str(RANKS)]
                   + forward + [job] + argv, env=env, timeout=timeout)
    done = sorted(l for l in res.stdout.splitlines() if l.endswith(" done"))
    check(res.returncode == 0 and len(done) == RANKS, "the job failed", res)
    return res


def rank_reports(res, event):
    return [r for r in res.reports if r["event"] == event and r.get("process") == "mpi_job"]


def test_ranks_waiting_in_a_barrier_for_a_late_rank_report_it(shim):
    """Rank 2 computes 3 s before the job's second barrier: ranks 0, 1 and 3 each report a stall
    in MPI_Barrier (class collective, MPI_COMM_WORLD of 4, collective number 2 on every rank,
    their rank in it, the program's wait_at_barrier in their frames) and its recovery; rank 2
    reports nothing: the culprit is the rank missing from the reports. Without
    STALLWATCH_JOB_DIR, no rank dumps."""
    res = mpirun(shim, ["barrier", "2", "3000"], {"STALLWATCH_THRESHOLD": "1s"})
    stalls = rank_reports(res, "stall")
    check(sorted(r["rank"] for r in stalls) == [0, 1, 3],
          "stalls from ranks %s" % sorted(r.get("rank") for r in stalls), res)
    for r in stalls:
        t = r["threads"][0]
        check(r.get("size") == RANKS and r.get("job"), "no job, rank and size: %s" % r, res)
        check((t["call"], t["class"]) == ("MPI_Barrier", "collective"),
              "call %s class %s" % (t["call"], t["class"]), res)
        check(t.get("communicator") == "MPI_COMM_WORLD" and t.get("comm_size") == RANKS
              and t.get("comm_rank") == r["rank"] and t.get("seq") == 2,
              "the collective: %s" % {k: t.get(k) for k in
                                      ("communicator", "comm_size", "comm_rank", "seq")}, res)
        check("wait_at_barrier" in functions(t), "frames %s" % functions(t), res)
        check(t["waited_ms"] >= 1000, "waited %d ms" % t["waited_ms"], res)
    recovered = rank_reports(res, "recovered")
    check(sorted(r["rank"] for r in recovered) == [0, 1, 3], "recovered from %s"
          % sorted(r.get("rank") for r in recovered), res)
    check(not rank_reports(res, "dump"), "dumps without STALLWATCH_JOB_DIR", res)


def test_a_receive_from_a_rank_that_never_sends_names_the_peer(shim):
    """Rank 0 receives with tag 7 from rank 3, which sleeps 3 s before it sends: with
    STALLWATCH_PEER=1s rank 0 reports MPI_Recv in class peer, on MPI_COMM_WORLD, peer 3, tag 7
    (no collective number); no other rank reports a stall."""
    res = mpirun(shim, ["recv", "3", "3000"], {"STALLWATCH_PEER": "1s"})
    stalls = rank_reports(res, "stall")
    check([r["rank"] for r in stalls] == [0], "stalls from ranks %s"
          % [r.get("rank") for r in stalls], res)
    t = stalls[0]["threads"][0]
    check((t["call"], t["class"], t.get("peer"), t.get("tag")) == ("MPI_Recv", "peer", 3, 7)
          and t.get("communicator") == "MPI_COMM_WORLD" and "seq" not in t,
          "the receive: %s" % t, res)
    check("wait_for_message" in functions(t), "frames %s" % functions(t), res)


def test_an_allreduce_on_a_sub_communicator_waits_for_its_partner_only(shim):
    """The ranks split by parity into two communicators of 2; rank 1 computes 3 s before the
    second Allreduce on its own: only its partner, rank 3, reports (MPI_Allreduce, the
    unnamed communicator by its handle, size 2, its rank 1 in it, collective number 2 on it);
    ranks 0 and 2 finish their communicator's Allreduce and report nothing."""
    res = mpirun(shim, ["subcomm", "1", "3000"], {"STALLWATCH_THRESHOLD": "1s"})
    stalls = rank_reports(res, "stall")
    check([r["rank"] for r in stalls] == [3], "stalls from ranks %s"
          % [r.get("rank") for r in stalls], res)
    t = stalls[0]["threads"][0]
    check(t["call"] == "MPI_Allreduce" and t["class"] == "collective"
          and t.get("communicator", "").startswith("0x") and t.get("comm_size") == 2
          and t.get("comm_rank") == 1 and t.get("seq") == 2, "the allreduce: %s" % t, res)
    check("reduce_with_partner" in functions(t), "frames %s" % functions(t), res)


def test_a_job_without_a_stall_writes_no_report(shim):
    """Ten barriers that every rank reaches at once, under a 1 s threshold for every class
    the job's calls fall in: no report at all, from the ranks or from mpirun."""
    res = mpirun(shim, ["quick", "0", "0"], {"STALLWATCH_THRESHOLD": "1s",
                                             "STALLWATCH_COLLECTIVE": "1s"})
    check(res.reports == [], "reports: %s" % [(r["event"], r.get("process"),
                                              r["threads"][0]["call"]) for r in res.reports],
          res)


def test_a_stalled_collective_asks_every_rank_for_a_dump(shim):
    """With STALLWATCH_JOB_DIR, the ranks waiting in the barrier for late rank 2 drop one
    request (named after the job, MPI_COMM_WORLD, collective 2 and MPI_Barrier: the three
    waiting ranks make the same one), and every rank answers it once with a dump event; rank
    2's dump, taken while it still computes, shows late_compute in its frames."""
    with tempfile.TemporaryDirectory(prefix="stallwatch-jobdir-") as jobdir:
        res = mpirun(shim, ["barrier", "2", "3000"], {"STALLWATCH_THRESHOLD": "1s",
                                                      "STALLWATCH_JOB_DIR": jobdir})
        requests = sorted(os.listdir(jobdir))
    check(len(requests) == 1 and requests[0].endswith("+MPI_COMM_WORLD+2+MPI_Barrier"),
          "requests %s" % requests, res)
    dumps = rank_reports(res, "dump")
    check(sorted(r["rank"] for r in dumps) == [0, 1, 2, 3], "dumps from ranks %s"
          % sorted(r.get("rank") for r in dumps), res)
    late = [r for r in dumps if r["rank"] == 2][0]
    check(any("late_compute" in functions(t) for t in late["threads"]),
          "the late rank's dump: %s" % [functions(t) for t in late["threads"]], res)
    check(requests[0] in late["threads"][0].get("note", ""), "no request named in the dump",
          res)



def test_triage_names_the_late_rank_of_a_stalled_barrier(shim):
    """The reports of the barrier job with STALLWATCH_JOB_DIR, given to `stallwatch triage`:
    one stalled collective (MPI_Barrier number 2 on MPI_COMM_WORLD), ranks 0, 1 and 3
    waiting, and rank 2 the culprit, with its host, pid and late_compute from its dump; the
    text form says the same at a glance."""
    with tempfile.TemporaryDirectory(prefix="stallwatch-jobdir-") as jobdir:
        res = mpirun(shim, ["barrier", "2", "3000"], {"STALLWATCH_THRESHOLD": "1s",
                                                      "STALLWATCH_JOB_DIR": jobdir})
        reports = os.path.join(jobdir, "reports.json")
        with open(reports, "w") as f:
            for r in res.reports:
                f.write(json.dumps(r) + "\n")
        p = subprocess.run([shim.cli, "triage", "--format", "json", reports],
                           capture_output=True, text=True, timeout=60)
        text = subprocess.run([shim.cli, "triage", reports], capture_output=True, text=True,
                              timeout=60)
    check(p.returncode == 0 and text.returncode == 0, "triage failed: %s" % p.stderr)
    jobs = json.loads(p.stdout)["jobs"]
    check(len(jobs) == 1, "jobs: %s" % jobs, res)
    j = jobs[0]
    check(j["collective"] == {"call": "MPI_Barrier", "comm": "MPI_COMM_WORLD", "seq": 2,
                              "comm_size": RANKS}
          and j["waiting_ranks"] == [0, 1, 3], "the collective: %s" % j, res)
    late = [r for r in res.reports if r["event"] == "dump" and r.get("rank") == 2][0]
    culprits = j["culprits"]
    check(len(culprits) == 1 and culprits[0]["rank"] == 2
          and culprits[0].get("pid") == late["pid"] and culprits[0].get("host") == late["host"]
          and "late_compute" in [f["function"] for f in culprits[0].get("frames", [])],
          "culprits: %s" % culprits, res)
    check("waiting: 0, 1, 3" in text.stdout and "culprit: rank 2" in text.stdout
          and "late_compute" in text.stdout, "text:\n" + text.stdout)


def test_a_freed_communicators_handle_given_again_is_described_anew(shim):
    """Found by a review: a split communicator is used and freed, and the world's dup (which
    Open MPI often gives the same handle) then stalls in its second barrier: the reports say
    the dup's size (4), each rank's own rank in it and collective number 2, not the freed
    communicator's size, rank and count."""
    res = mpirun(shim, ["dupfree", "2", "3000"], {"STALLWATCH_THRESHOLD": "1s"})
    stalls = rank_reports(res, "stall")
    check(sorted(r["rank"] for r in stalls) == [0, 1, 3], "stalls from ranks %s"
          % sorted(r.get("rank") for r in stalls), res)
    for r in stalls:
        t = r["threads"][0]
        check(t["call"] == "MPI_Barrier" and t.get("comm_size") == RANKS
              and t.get("comm_rank") == r["rank"] and t.get("seq") == 2,
              "rank %d: %s" % (r["rank"], {k: t.get(k) for k in
                                            ("communicator", "comm_size", "comm_rank", "seq")}),
              res)


def test_an_mpi_library_loaded_locally_by_a_plugin_is_still_called(shim):
    """Found by a review: a plugin linked against an MPICH-style MPI library, loaded with
    RTLD_LOCAL, calls MPI_Barrier, which binds to the shim's wrapper; RTLD_NEXT cannot see the
    library, and the wrapper called a null pointer (SIGSEGV). It must find the next definition
    in the plugin's own scope: the program prints the library's answer, as without the shim."""
    plugin = os.path.join(shim.progs, "libmpi_plugin.so")
    if not os.path.exists(plugin):
        plugin = os.path.join(shim.progs, "mpi_plugin.so")
    bare = shim.run(["mpi_plugin_host", plugin], preload=False)
    res = shim.run(["mpi_plugin_host", plugin])
    check(bare.returncode == 0 and "barrier=7" in bare.stdout, "without the shim", bare)
    check(res.returncode == 0 and "barrier=7" in res.stdout, "with the shim", res)


def test_a_process_that_never_called_mpi_answers_no_job_dir_request(shim):
    """Found by a review: every process that carried a job's environment (a rank's shell or
    helper) answered every request with a dump. abba, deadlocked, with an Open MPI rank's
    variables and STALLWATCH_JOB_DIR, and a request of its job made while it runs: its
    deadlock is reported, and no dump, since it never called MPI."""
    job = "prterun-helper-1"  # letters, digits and "-": the request name keeps it as it is
    with tempfile.TemporaryDirectory(prefix="stallwatch-jobdir-") as jobdir:
        request = os.path.join(jobdir, job + "+MPI_COMM_WORLD+2+MPI_Barrier")

        def ask(proc, stdout_path):
            time.sleep(0.2)
            with open(request, "w") as f:
                f.write("rank=1 pid=1\n")
            time.sleep(2.5)  # two looks of the directory, a second apart

        res = shim.run(["abba"], env={"STALLWATCH_LOCK": "500ms", "STALLWATCH_JOB_DIR": jobdir,
                                      "OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "4",
                                      "PMIX_NAMESPACE": job},
                       reports=1, on_start=ask)
    check(res.reports and res.reports[0].get("job") == job, "no report of the job", res)
    check(not any(r["event"] == "dump" for r in res.reports),
          "a process that never called MPI dumped: %s" % [r["event"] for r in res.reports], res)
