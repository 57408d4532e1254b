# Runs one libFuzzer target for a bounded number of inputs, as a ctest test (cmake -P).
# Variables: FUZZER (the binary), SEED (seed corpus directory, only read), WORK (scratch
# directory, emptied first), DICT (dictionary file or empty), RUNS, SECONDS.
# Fails when the fuzzer reports a crash, a sanitizer error, a leak, a timeout or a failed
# check; the reproducer is left in WORK/artifacts/.

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")

set(args
  -runs=${RUNS}
  -max_total_time=${SECONDS}
  -max_len=4096
  -timeout=25
  -rss_limit_mb=2048
  -print_final_stats=1
  "-artifact_prefix=${WORK}/artifacts/")
if(DICT)
  list(APPEND args "-dict=${DICT}")
endif()

execute_process(COMMAND "${FUZZER}" ${args} "${WORK}/corpus" "${SEED}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB found "${WORK}/artifacts/*")
  message(FATAL_ERROR "${FUZZER} failed (${rc}); reproducer: ${found}")
endif()
