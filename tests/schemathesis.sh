#!/usr/bin/env bash
# Property-based tests of otterd against its own OpenAPI document: schemathesis (from PyPI,
# pinned in tests/requirements-schemathesis.txt, installed into tests/.venv-schemathesis)
# reads /openapi.json from a real otterd on a free loopback port and sends each operation
# examples from the document, boundary and type-violating values (coverage), and generated
# valid and invalid requests (fuzzing), with a fixed seed. Every response must be no 5xx,
# have a status, content type, headers and body the document lists for that operation,
# refuse invalid data with a 4xx, refuse a missing token with 401 and an unlisted method
# with 405 and Allow. Any finding fails the script. Then otterd must exit 0 on SIGTERM
# with no crash or 5xx in its log.
# Settings (checks, dictionaries of existing names) are in tests/schemathesis.toml.
# Run from the source tree after the build (scripts/test.sh does, after make check);
# top_builddir and top_srcdir may point elsewhere. ST_EXAMPLES (default 100) bounds the
# generated cases per operation and phase, ST_SEED (default 20240514) fixes them, ST_WALL
# (default 170 s) bounds both schemathesis runs together, ST_VENV moves the venv.
set -euo pipefail

top_srcdir=$(cd "${top_srcdir:-$(dirname "$0")/..}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
OTTERD="$top_builddir/otterd"
REQS="$top_srcdir/tests/requirements-schemathesis.txt"
CONFIG="$top_srcdir/tests/schemathesis.toml"
DOC="$top_srcdir/docs/openapi.json"
VENV="${ST_VENV:-$top_srcdir/tests/.venv-schemathesis}"
EXAMPLES="${ST_EXAMPLES:-100}"
SEED="${ST_SEED:-20240514}"
WALL="${ST_WALL:-170}" # seconds for both schemathesis runs together: a CI bound

[ -x "$OTTERD" ] || { echo "FAIL: $OTTERD not built"; exit 1; }
for tool in python3 curl; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is needed"; exit 1; }
done

# ---------------------------------------------------------------- the venv
# Reused while it was made from this very requirements file (a stamp holds its hash).
want=$(sha256sum "$REQS" | cut -d' ' -f1)
if [ "$(cat "$VENV/.stamp" 2>/dev/null)" != "$want" ] || [ ! -x "$VENV/bin/schemathesis" ]; then
    echo "schemathesis: installing into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQS"
    echo "$want" >"$VENV/.stamp"
fi
echo "schemathesis: $("$VENV/bin/schemathesis" --version)"

# ---------------------------------------------------------------- otterd
T=$(mktemp -d "${TMPDIR:-/tmp}/otterd-schemathesis.XXXXXX")
PID=""
cleanup() {
    [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
    wait 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

export OTTER_TOKEN="schemathesis-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
echo "$OTTER_TOKEN read,write,admin" >"$T/tokens"

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Up to 5 ports, in case one is taken between free_port and otterd's bind.
for _ in 1 2 3 4 5; do
    PORT=$(free_port)
    "$OTTERD" --data-dir "$T/data" --listen "127.0.0.1:$PORT" --threads 2 --snapshot-every 0 \
        --auth-tokens "$T/tokens" --openapi "$DOC" </dev/null >"$T/otterd.log" 2>&1 &
    PID=$!
    ready=0
    for _ in $(seq 200); do
        kill -0 "$PID" 2>/dev/null || break
        if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/readyz")" = 200 ] &&
            grep -q "event=start listen=127.0.0.1:$PORT " "$T/otterd.log"; then
            ready=1
            break
        fi
        sleep 0.1
    done
    [ "$ready" = 1 ] && break
    kill -9 "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
    grep -q "cannot listen" "$T/otterd.log" || break
done
if [ -z "$PID" ]; then
    echo "FAIL: otterd did not become ready:"
    tail -n 20 "$T/otterd.log"
    exit 1
fi
B="http://127.0.0.1:$PORT"

# ---------------------------------------------------------------- entities
# The names of tests/schemathesis.toml's dictionaries (and the document's examples).
seed() { # seed METHOD PATH WANT_STATUS [JSON]
    local code
    code=$(curl -s -o "$T/seed.out" -w '%{http_code}' --max-time 20 -X "$1" \
        -H "Authorization: Bearer $OTTER_TOKEN" ${4:+-H 'Content-Type: application/json' --data-binary "$4"} \
        "$B$2")
    if [ "$code" != "$3" ]; then
        echo "FAIL: setup $1 $2: status $code, want $3: $(head -c 300 "$T/seed.out")"
        exit 1
    fi
}
seed PUT /v1/models/ctr 201 '{"type":"logreg","params":{"bits":"18","optimizer":"ftrl"}}'
seed PUT /v1/models/churn 201 '{"type":"hoeffding","params":{"classes":3}}'
seed PUT /v1/models/price 201 '{"type":"linreg","params":{"bits":12}}'
seed PUT /v1/models/old-model-1 201 '{"type":"svm","params":{"bits":10}}'
seed PUT /v1/models/old-model-2 201 '{"type":"hat"}'
seed POST /v1/models/ctr/learn 200 '{"examples":[{"features":{"age":39,"country":"fr"},"label":1},{"features":{"age":24,"country":"de"},"label":0}]}'
seed POST /v1/models/churn/learn 200 '{"features":{"tenure":3,"plan":"basic"},"label":2}'
seed POST /v1/models/price/learn 200 '{"features":{"rooms":3},"label":250.5}'
seed POST /v1/models/ctr/predict 200 '{"features":{"age":39},"event_id":"9c1e0a44d27b3f85","ttl":3600}'
seed PUT /v1/bandits/homepage-banner 201 '{"policy":"thompson","arms":["spring-sale","free-shipping","new-arrivals"],"params":{"seed":7,"reward_wait":600}}'
seed PUT /v1/bandits/feed 201 '{"policy":"linucb","arms":["spring-sale","free-shipping","summer-sale"]}'
seed PUT /v1/bandits/old-bandit-1 201 '{"policy":"ucb1","arms":["a","b"]}'
seed PUT /v1/bandits/old-bandit-2 201 '{"policy":"epsilon-greedy","arms":["a"]}'
seed POST /v1/bandits/homepage-banner/rank 200 '{"event_id":"req-8f41c2d9"}'
seed POST /v1/bandits/homepage-banner/rank 200 '{"event_id":"req-deferred-1","defer":true}'
seed POST /v1/bandits/feed/rank 200 '{"event_id":"req-deferred-2","defer":true,"context":{"hour":21}}'
seed POST /v1/snapshots 201 '{"id":12}'

# ---------------------------------------------------------------- schemathesis
# Every phase: the document's examples, coverage (boundary and wrongly typed values),
# fuzzing, and stateful sequences along the links schemathesis infers (create, then read,
# change, delete). POST /v1/snapshots/{id}/restore goes back to a snapshot: run among the
# others it would undo what they set up (entities created, events pending) at random
# moments, so it runs alone, last (and without the stateful phase, which has no links to
# follow from it), against the snapshot taken above and those the first run took.
st=("$VENV/bin/schemathesis" --config-file "$CONFIG" run "$B/openapi.json" --url "$B"
    --seed "$SEED" --max-examples "$EXAMPLES" --no-color)
status=0
started=$(date +%s)
rc=0
cd "$T" # whatever schemathesis writes stays out of the tree
timeout --kill-after=10 "$WALL" "${st[@]}" --phases examples,coverage,fuzzing,stateful \
    --exclude-operation-id restoreSnapshot || rc=$?
left=$((WALL - ($(date +%s) - started)))
if [ "$rc" = 0 ] && [ "$left" -gt 5 ]; then
    timeout --kill-after=10 "$left" "${st[@]}" --phases examples,coverage,fuzzing \
        --include-operation-id restoreSnapshot || rc=$?
elif [ "$rc" = 0 ]; then
    rc=124
fi
case "$rc" in
0) ;;
124 | 137) echo "FAIL: schemathesis took more than ST_WALL=$WALL s"; status=1 ;;
*) echo "FAIL: schemathesis found the problems above (exit $rc)"; status=1 ;;
esac
echo "schemathesis: $(($(date +%s) - started)) s"

# ---------------------------------------------------------------- otterd's end
if ! kill -0 "$PID" 2>/dev/null; then
    echo "FAIL: otterd died during the run"
    status=1
else
    kill -TERM "$PID"
    rc=0
    wait "$PID" || rc=$?
    PID=""
    if [ "$rc" != 0 ]; then
        echo "FAIL: otterd exited with $rc on SIGTERM"
        status=1
    fi
fi
if grep -E "status=5[0-9][0-9]|AddressSanitizer|runtime error|Assertion|Segmentation|Aborted|stack smashing" "$T/otterd.log"; then
    echo "FAIL: otterd's log above shows a 5xx answer or a crash"
    status=1
fi
if [ "$status" != 0 ]; then
    echo "otterd's log (last 30 lines):"
    tail -n 30 "$T/otterd.log"
fi
exit "$status"
