#!/usr/bin/env bash
# The whole test suite, as CI runs it: a -Werror build with `make check` (unit, contract,
# data-driven and black-box CLI tests), schemathesis against otterd (tests/schemathesis.sh),
# the Java API, JNI library and Flink operators (`make check-flink`: Maven builds flink/
# and runs its JUnit tests against the packaged jar), `make distcheck`, the unit tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer, otterd under
# ThreadSanitizer, and otterd's request handling under libFuzzer (OTTER_FUZZ_SECONDS,
# default 40). Prints a summary line at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
[ -x configure ] || autoreconf -fi
./configure --enable-werror >/dev/null
make -j"$jobs"
status=0
# Style: the committed .clang-format, checked on every C file.
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find include src tests -name '*.[ch]')
if ! clang-format --dry-run --Werror $files; then
    echo "style check failed: run clang-format -i on the files above"
    status=1
fi
make -j"$jobs" check || status=1
# otterd against its OpenAPI document with schemathesis (pinned, from PyPI, in a venv).
schemathesis=skipped
if [ $status -eq 0 ]; then
    if bash tests/schemathesis.sh; then schemathesis=passed; else schemathesis=failed; status=1; fi
fi
# the Java API over libotter_jni.so (JUnit 5, Maven; one Maven build at a time)
rm -rf flink/target/surefire-reports
make check-flink || status=1
if [ $status -eq 0 ] && [ "${OTTER_SKIP_DISTCHECK:-0}" != 1 ]; then
    make -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror >/dev/null || status=1
fi
if [ $status -eq 0 ]; then
    make check-asan || status=1
fi
if [ $status -eq 0 ]; then
    make check-tsan || status=1  # otterd with many clients under ThreadSanitizer
fi
if [ $status -eq 0 ]; then
    make -j"$jobs" check-fuzz || status=1  # otterd's request handling under libFuzzer, bounded time
fi
# One summary over both runs, from the automake .trs files and Check's own counts.
passed=0; failed=0
for trs in tests/*.trs asan-build/build/tests/*.trs; do
    [ -f "$trs" ] || continue
    case "$(sed -n 's/^:test-result: //p' "$trs")" in
        PASS|SKIP) passed=$((passed + 1)) ;;
        *) failed=$((failed + 1)) ;;
    esac
done
case $schemathesis in
    passed) passed=$((passed + 1)) ;;
    failed) failed=$((failed + 1)) ;;
esac
checks=$(cat tests/*.log asan-build/build/tests/*.log 2>/dev/null |
         sed -n 's/^[0-9]*%: Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\)/\1 \2 \3/p' |
         awk '{c+=$1; f+=$2+$3} END {printf "%d %d", c, f}')
echo "Check unit tests: ${checks% *} checks, ${checks#* } failed or errored (normal + ASan/UBSan runs)"
# JUnit (flink/): surefire's per-class summaries
java=$(cat flink/target/surefire-reports/*.txt 2>/dev/null |
       sed -n 's/^Tests run: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\), Skipped: \([0-9]*\).*/\1 \2 \3 \4/p' |
       awk '{r+=$1; f+=$2+$3} END {printf "%d %d", r, f}')
echo "JUnit tests (flink/): ${java% *} run, ${java#* } failed or errored"
passed=$((passed + ${java% *} - ${java#* })); failed=$((failed + ${java#* }))
[ "${java% *}" -gt 0 ] || { echo "no JUnit test ran"; status=1; }
[ $failed -eq 0 ] && [ $status -eq 0 ] || status=1
echo "tests: $passed passed, $failed failed"
exit $status
