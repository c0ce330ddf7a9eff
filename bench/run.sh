#!/usr/bin/env bash
# One command per benchmark:
#   bash bench/run.sh [linear] [--rows N] [--river-rows N] [--quick] [--repeat N] [--otter-param k=v]...
#       linear learners (bench/linear.py): Otter logreg vs VW, scikit-learn, River
#   bash bench/run.sh trees [--rows N] [--river-rows N] [--moa-rows N] [--quick] [--repeat N] [--no-moa]
#       tree learners (bench/trees.py): Otter hoeffding (and hat) vs MOA via capymoa, River
#   bash bench/run.sh trees-reg [--rows N] [--river-rows N] [--moa-rows N] [--quick] [--repeat N] [--no-moa]
#       regression trees (bench/trees_reg.py): Otter hoeffding-reg vs MOA's FIMT-DD via
#       capymoa, River's HoeffdingTreeRegressor, on the friedman stream
#   bash bench/run.sh bandits [--horizon N] [--mabwiser-batch B] [--quick] [--repeat N] ...
#       bandit policies (bench/bandits.py): Otter bandit-sim vs MABWiser, River
#   bash bench/run.sh store [--full] [--dir PARENT] [--seconds S] [--rounds R]
#       the state store (bench/store_bench.c, no Python): snapshot cost for 10k and
#       100k small models and one large one, restore, sync learn calls/s with group
#       commit against plain RocksDB sync writes. --full adds 1M small models (lean
#       parameters: about 10 GB of RAM and 10 minutes; see docs/benchmarks.md).
#       Writes bench/out/store.jsonl.
#   bash bench/run.sh http [--otterd PATH] [--duration S] [--connections C] [--threads N] ...
#       otterd over HTTP with wrk (bench/http.sh, no Python): predict (one instance and
#       batches of 100), learn (durability none and sync), rank (thompson, linucb), each
#       against a floor measured in the same run (bench/http_floor.c, a bare
#       libmicrohttpd server). Needs the Debian package wrk. Without an otterd only the
#       floor is measured. Writes bench/out/http.jsonl.
#   bash bench/run.sh flink [--keys K --records N --bits B] [--rounds R] [--scenarios ...]
#       the Flink fraud job (bench/flink.sh, no Python): Otter's learning operator against
#       the same job in plain Flink (a Java logistic regression in ValueState on RocksDB)
#       and a stateless floor, on one MiniCluster in interleaved rounds: records/s,
#       prequential AUC and log loss, checkpoint duration and size (10k and 1M keys by
#       default). Needs a JDK 17 and Maven. Writes bench/out/flink.jsonl.
# Sets up bench/.venv (pinned peers; for trees also bench/.venv-moa with
# capymoa), builds otter if needed, then runs the script with the venv's
# python, passing the remaining arguments through.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

if [[ "${1:-}" == "store" ]]; then
    shift
    exec bash "$here/store.sh" "$@"
fi
if [[ "${1:-}" == "http" ]]; then
    shift
    exec bash "$here/http.sh" "$@"
fi
if [[ "${1:-}" == "flink" ]]; then
    shift
    exec bash "$here/flink.sh" "$@"
fi

script=linear.py
if [[ "${1:-}" == "trees" ]]; then
    script=trees.py
    shift
    bash "$here/setup.sh" moa
elif [[ "${1:-}" == "trees-reg" ]]; then
    script=trees_reg.py
    shift
    bash "$here/setup.sh" moa
elif [[ "${1:-}" == "bandits" ]]; then
    script=bandits.py
    shift
    bash "$here/setup.sh"
elif [[ "${1:-}" == "linear" ]]; then
    shift
    bash "$here/setup.sh"
else
    bash "$here/setup.sh"
fi
# make is a no-op when the binary is current; configure first on a fresh clone.
if [[ ! -f "$root/Makefile" ]]; then
    (cd "$root" && { [[ -x ./configure ]] || autoreconf -fi; } && ./configure)
fi
make -C "$root" -j2 otter >/dev/null
exec "$here/.venv/bin/python" "$here/$script" "$@"
