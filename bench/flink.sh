#!/usr/bin/env bash
# The Flink figures (docs/benchmarks.md, "Flink"): the fraud job with Otter's
# OnlineLearningOperator against the same job in plain Flink (a hand-written logistic
# regression in ValueState on the RocksDB state backend), on one MiniCluster in one JVM,
# in interleaved rounds. Usually run as `bash bench/run.sh flink [options]`.
#   --keys K           one scenario of K keys (default: two, 10k and 1M keys)
#   --records N        records per job (with --keys; default 300000; at least K)
#   --bits B           the model's hash bits per key, both sides (with --keys; default 8)
#   --scenarios LIST   KEYS:BITS:RECORDS[:ROUNDS][,...] (default
#                      10000:8:300000:3,1000000:4:1000000:1: 2^8 slots per key at 10k keys,
#                      2^4 at 1M keys so that both sides' state stays around 1 GB)
#   --rounds R         rounds of every scenario, each round every side in turn (default:
#                      each scenario's own, else 3)
#   --sides LIST       otter,plain,floor (default all three; floor: the pipeline without a model)
#   --checkpoint-interval MS (default 5000, FraudDetectionJob's)   --label-delay N (default 2000)
#   --warmup N         records of one uncounted job per side before the rounds (default 100000)
#   --incremental      RocksDB incremental checkpoints for the plain job (default: full)
#   --heap SIZE        the JVM's -Xmx (default 6g)
#   --dir PARENT       where checkpoints and stores go (default /tmp; removed after)
#   --profile KEYS:BITS[:ROWS] instead of the jobs: where the Otter operator's checkpoint time goes
#                      (CheckpointProfile: one subtask's store, native snapshot and export
#                      timed apart, outside Flink); writes bench/out/flink-profile.jsonl
#
# Builds the C library and the JNI library (make), the Maven module's classes and test
# classes (mvn test-compile; the benchmark lives in flink/src/test/java/org/otter/flink/bench
# so it is compiled by `make check-flink` but not shipped in the jar nor run as a test), then
# runs org.otter.flink.bench.FraudBench with the test class path. Writes
# bench/out/flink.jsonl (replaced each run): one "run" line (machine, versions, settings),
# one "job" line per job (records/s, prequential AUC and log loss, every completed
# checkpoint), one "summary" line per scenario and side (medians over the rounds) and one
# "targets" line per scenario (the issue's: Otter's records/s >= 2x the plain job's, and
# its final checkpoint no slower than the plain job's on RocksDB). Needs a JDK 17 and Maven.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
records=""
keys=""
bits=8
scenarios=""
rounds=""
sides=otter,plain,floor
interval=5000
delay=2000
incremental=false
warmup=100000
heap=6g
parent=/tmp
profile=""
while [[ $# -gt 0 ]]; do
    case "$1" in
    --records) records="$2"; shift ;;
    --keys) keys="$2"; shift ;;
    --bits) bits="$2"; shift ;;
    --scenarios) scenarios="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --sides) sides="$2"; shift ;;
    --checkpoint-interval) interval="$2"; shift ;;
    --label-delay) delay="$2"; shift ;;
    --incremental) incremental=true ;;
    --warmup) warmup="$2"; shift ;;
    --heap) heap="$2"; shift ;;
    --dir) parent="$2"; shift ;;
    --profile) profile="$2"; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "flink.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [[ -n "$keys" && -n "$scenarios" ]]; then
    echo "flink.sh: give --keys (with --records, --bits) or --scenarios, not both" >&2
    exit 2
fi
if [[ -n "$keys" ]]; then
    scenarios="$keys:$bits:${records:-300000}"
elif [[ -n "$records" ]]; then
    echo "flink.sh: --records goes with --keys (or give --scenarios)" >&2
    exit 2
fi
for tool in java mvn; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "flink.sh: $tool not found (bash scripts/install-deps.sh installs a JDK 17 and Maven)" >&2
        exit 1
    fi
done

# ---- build -------------------------------------------------------------------------
if [[ ! -f "$root/Makefile" ]]; then
    (cd "$root" && { [[ -x ./configure ]] || autoreconf -fi; } && ./configure)
fi
make -C "$root" -j2 >/dev/null
if [[ ! -f "$root/.libs/libotter_jni.so" ]]; then
    echo "flink.sh: .libs/libotter_jni.so was not built: configure found no JDK (--with-jdk=DIR)" >&2
    exit 1
fi
mvn -q -f "$root/flink/pom.xml" -Dotter.native.dir="$root/.libs" test-compile
cp_file="$root/flink/target/bench.classpath"
mvn -q -f "$root/flink/pom.xml" -Dotter.native.dir="$root/.libs" dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
classpath="$root/flink/target/test-classes:$root/flink/target/classes:$(cat "$cp_file")"

# ---- run ---------------------------------------------------------------------------
mkdir -p "$here/out"
tmp="$(mktemp -d "$parent/otter-fbench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if [[ -n "$profile" ]]; then
    if [[ ! "$profile" =~ ^[1-9][0-9]*:[1-9][0-9]*(:[1-9][0-9]*)?$ ]]; then
        echo "flink.sh: --profile wants KEYS:BITS[:ROWS], not '$profile'" >&2
        exit 2
    fi
    java -Xmx"$heap" -Djava.io.tmpdir="$tmp" -cp "$classpath" \
        org.otter.flink.bench.CheckpointProfile ${profile//:/ } |
        tee -a "$here/out/flink-profile.jsonl"
    exit 0
fi
out="$here/out/flink.jsonl"
: >"$out"
args=(--sides "$sides" --checkpoint-interval "$interval"
    --label-delay "$delay" --incremental "$incremental" --warmup "$warmup" --out "$out" --dir "$tmp")
[[ -z "$scenarios" ]] || args+=(--scenarios "$scenarios")
[[ -z "$rounds" ]] || args+=(--rounds "$rounds")
# io.tmp.dirs (the stores of Otter's operator, RocksDB's local directories) under $tmp
java -Xmx"$heap" -Xss2m -Djava.io.tmpdir="$tmp" \
    -Dotter.commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    -Dlog4j2.level=WARN \
    -cp "$classpath" org.otter.flink.bench.FraudBench "${args[@]}"
echo "flink.sh: results in $out" >&2
