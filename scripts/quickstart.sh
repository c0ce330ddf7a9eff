#!/usr/bin/env bash
# Quick start: installs the Debian packages (only missing ones), builds Otter and runs
# the main job: otterd on 127.0.0.1:8080 with its models in ./otter-data (an embedded
# RocksDB store). It creates a fraud model, scores a transaction, sends its label later
# by event id, shows the model, and then keeps serving until Ctrl-C (which takes a final
# snapshot). OTTER_QUICKSTART_EXIT=1 stops after the demo (used by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc 2>/dev/null || echo 2)"

addr=${OTTER_LISTEN:-127.0.0.1:8080}
data=${OTTER_DATA_DIR:-otter-data}
./otterd --data-dir "$data" --listen "$addr" --openapi docs/openapi.json &
pid=$!
stop() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap stop INT TERM EXIT
for _ in $(seq 100); do
    curl -sf "http://$addr/readyz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "otterd did not start" >&2; exit 1; }
    sleep 0.1
done

run() { echo "\$ $*"; "$@"; echo; }
J='Content-Type: application/json'
ev="tx-$(date +%s%N)"
echo "== otterd is listening on http://$addr (data in $data/)"
run curl -s -X PUT "http://$addr/v1/models/fraud" -H "$J" \
    -d '{"type":"logreg","params":{"optimizer":"ftrl","l1":"0.5"}}'
run curl -s "http://$addr/v1/models/fraud/predict" -H "$J" \
    -d '{"features":{"amount":912.5,"merchant":"m42","country":"GB","hour":3},"event_id":"'"$ev"'"}'
run curl -s "http://$addr/v1/models/fraud/feedback" -H "$J" -d '{"event_id":"'"$ev"'","label":1}'
run curl -s "http://$addr/v1/models/fraud"
run curl -s -X POST "http://$addr/v1/snapshots"

if [ "${OTTER_QUICKSTART_EXIT:-0}" = 1 ]; then
    exit 0
fi
echo "== otterd keeps serving; try the calls above, GET /openapi.json, GET /metrics."
echo "== Ctrl-C stops it (final snapshot in $data/snapshots/)."
trap - EXIT
wait "$pid"
