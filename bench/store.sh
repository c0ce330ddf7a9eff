#!/usr/bin/env bash
# The state store's figures (docs/benchmarks.md, "State store"): builds
# bench/store_bench and runs every sub-benchmark at the default sizes, appending JSON
# lines to bench/out/store.jsonl. Usually run as `bash bench/run.sh store [--full]`.
#   --full         also 1M small models with restore (about 10 GB of RAM)
#   --dir PARENT   where the data directories go (default /tmp; removed afterwards)
#   --seconds S    length of each sync run (default 5)
#   --rounds R     interleaved rounds of the sync runs (default 3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
full=0
parent=/tmp
seconds=5
rounds=3
while [[ $# -gt 0 ]]; do
    case "$1" in
    --full) full=1 ;;
    --dir) parent="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    *) echo "store.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [[ ! -f "$root/Makefile" ]]; then
    (cd "$root" && { [[ -x ./configure ]] || autoreconf -fi; } && ./configure)
fi
make -C "$root" -j2 bench/store_bench >/dev/null
bin="$root/bench/store_bench"
mkdir -p "$here/out"
out="$here/out/store.jsonl"
: >"$out"

df -h "$parent" >&2
run() {
    echo "+ store_bench $*" >&2
    "$bin" "$@" --dir "$parent" | tee -a "$out"
}

# small models: logreg bits=10 with its defaults (adagrad, standardize: 57.7 KB each
# when decoded), and lean ones (sgd, no standardization: 8.6 KB) for the 1M run
for n in 10000 100000; do
    run snapshot --entities "$n" --params bits=10 $([[ $n == 100000 ]] && echo --restore)
done
lean=bits=10,optimizer=sgd,standardize=false
for n in 10000 100000 $([[ $full == 1 ]] && echo 1000000); do
    run snapshot --entities "$n" --params "$lean" $([[ $n == 1000000 ]] && echo --restore)
done
# the same with the update log on (every learn logged and synced; a snapshot also
# deletes the log it covers)
run snapshot --entities 100000 --params bits=10 --durability sync
# one large model: 2^22 slots, a million examples over a million-value vocabulary
run snapshot --entities 1 --params bits=22 --warm 1000000 --vocab 1000000 --restore
run sync --threads 1,8 --seconds "$seconds" --rounds "$rounds" --params bits=10
echo "store.sh: results in $out" >&2
