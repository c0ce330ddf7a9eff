#!/bin/sh
# otterd under ThreadSanitizer: many clients predicting and learning on one shared model
# and on their own models, ranking and rewarding one bandit, reading /metrics and model
# views, while snapshots are taken every second; any report not in
# tests/tsan/suppressions.txt (uninstrumented RocksDB internals) fails.
# Usage: tests/otterd_tsan.sh PATH_TO_TSAN_OTTERD
set -u
otterd=$1
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
here=$(cd "$(dirname "$0")" && pwd)
TSAN_OPTIONS="suppressions=$here/tsan/suppressions.txt halt_on_error=0 exitcode=66" \
    "$otterd" --data-dir "$dir/data" --listen "127.0.0.1:$port" --threads 4 --snapshot-every 1 \
    >"$dir/log" 2>&1 &
pid=$!
trap 'kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
B="http://127.0.0.1:$port"
for _ in $(seq 300); do curl -sf "$B/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
J='Content-Type: application/json'
curl -sf -X PUT -H "$J" "$B/v1/models/shared" -d '{"type":"logreg","params":{}}' >/dev/null
for w in 0 1 2 3; do
    curl -sf -X PUT -H "$J" "$B/v1/models/own$w" -d '{"type":"hoeffding","params":{}}' >/dev/null
done
curl -sf -X PUT -H "$J" "$B/v1/bandits/b" \
    -d '{"policy":"linucb","arms":["a","b","c"],"params":{"dim":"4"}}' >/dev/null
workers=""
for w in 0 1 2 3 4 5 6 7; do
    (
        i=0
        while [ $i -lt ${ROUNDS:-25} ]; do
            curl -s -o /dev/null -H "$J" "$B/v1/models/shared/learn" \
                -d "{\"features\":{\"x\":$i,\"c\":\"k$w\"},\"label\":$((i % 2))}"
            curl -s -o /dev/null -H "$J" "$B/v1/models/shared/predict" -d "{\"features\":{\"x\":$i}}"
            curl -s -o /dev/null -H "$J" "$B/v1/models/own$((w % 4))/learn" \
                -d "{\"features\":{\"x\":$i,\"c\":\"k$w\"},\"label\":$((i % 2))}"
            curl -s -o /dev/null -H "$J" "$B/v1/bandits/b/rank" -d "{\"context\":{\"x\":$i},\"event_id\":\"w$w-$i\"}"
            curl -s -o /dev/null -H "$J" "$B/v1/bandits/b/reward" -d "{\"event_id\":\"w$w-$i\",\"reward\":1}"
            [ $((i % 5)) = 0 ] && curl -s -o /dev/null "$B/metrics" && curl -s -o /dev/null "$B/v1/models/shared"
            i=$((i + 1))
        done
    ) &
    workers="$workers $!"
done
for j in $workers; do wait "$j"; done
v=$(curl -s "$B/v1/models/shared" | python3 -c 'import sys,json; print(json.load(sys.stdin)["version"])')
kill -TERM $pid
wait $pid
rc=$?
n=$(grep -c "WARNING: ThreadSanitizer" "$dir/log")
echo "shared model version $v (want $((8 * ${ROUNDS:-25}))); exit $rc; $n ThreadSanitizer report(s)"
if [ "$n" -ne 0 ]; then
    grep -A30 "WARNING: ThreadSanitizer" "$dir/log" | head -80
    exit 1
fi
[ "$v" = "$((8 * ${ROUNDS:-25}))" ] || exit 1
[ "$rc" -eq 0 ] || { tail -5 "$dir/log"; exit 1; }
