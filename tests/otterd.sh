#!/bin/sh
# Black-box tests of otterd, the REST service: real otterd processes on free loopback
# ports, each in its own temporary data directory, driven with curl. Covers models
# (create/idempotent create/conflict, get, list, delete, predict single and batch,
# learn single and all-or-nothing batches, pending events and feedback), state export
# from one server and import into another (same scores; a damaged blob is refused and
# changes nothing), bandits (thompson and linucb: rank, reward, deferred decisions,
# activate, arms), snapshots and restore, request errors (each with its status and
# code, the model unchanged afterwards), the body limit, metrics and the OpenAPI
# document, bearer tokens with scopes and their reload on SIGHUP, SIGTERM (exit 0, a
# final snapshot, the same state after a restart), and SIGKILL in the middle of a
# stream of synced learns (every acknowledged learn survives).
# Run by `make check` with top_builddir set; needs curl (skips without it) and python3
# (to read the JSON). CRASH_AT=N kills the crash section's server after N acknowledged
# learns (default: random, printed). Prints each failure and exits 1 if any failed.
set -u

top_builddir=${top_builddir:-.}
OTTERD="$top_builddir/otterd"
if [ ! -x "$OTTERD" ]; then
    echo "FAIL: $OTTERD not built"
    exit 1
fi
if ! command -v curl >/dev/null 2>&1; then
    echo "SKIP: curl is needed to talk to otterd"
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is needed to read the JSON responses"
    exit 77
fi

# the interpreter itself (not a version manager's shim: it runs a few hundred times)
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -x "$PY" ] || PY=python3

T=$(mktemp -d "${TMPDIR:-/tmp}/otterd-test.XXXXXX") || exit 1
PIDS=""
LOOP_PID=""
AUTH=""
cleanup() {
    [ -n "$LOOP_PID" ] && kill -9 "$LOOP_PID" 2>/dev/null
    for p in $PIDS; do
        kill -9 "$p" 2>/dev/null
    done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

started=$(date +%s)
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

section() {
    echo "== [$(($(date +%s) - started)) s] $*"
}

# ---------------------------------------------------------------- JSON helper
# j.py check NAME FILE EXPR...: each EXPR (Python, with j the parsed body of FILE)
# must be true; prints a FAIL line per false one and exits with their count.
# j.py get FILE EXPR: prints EXPR's value (strings bare, other values as JSON).
cat >"$T/j.py" <<'EOF'
import json, sys

def load(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))

mode = sys.argv[1]
if mode == "get":
    try:
        v = eval(sys.argv[3], {"j": load(sys.argv[2])})
    except Exception as e:
        print("<error: %s>" % e)
        sys.exit(1)
    print(v if isinstance(v, str) else json.dumps(v))
    sys.exit(0)
name, path = sys.argv[2], sys.argv[3]
try:
    j = load(path)
except Exception as e:
    body = open(path, "rb").read()[:300]
    print("FAIL: %s: the body is not JSON (%s): %r" % (name, e, body))
    sys.exit(1)
bad = 0
for expr in sys.argv[4:]:
    try:
        ok = eval(expr, {"j": j, "isnum": lambda x: isinstance(x, (int, float)) and not isinstance(x, bool)})
    except Exception as e:
        ok = False
        expr = "%s (raised %s: %s)" % (expr, type(e).__name__, e)
    if not ok:
        print("FAIL: %s: %s is false; body: %s" % (name, expr, json.dumps(j)[:400]))
        bad += 1
sys.exit(min(bad, 100))
EOF

# jcheck NAME EXPR...: checks the last body of request NAME.
jcheck() {
    jc_name=$1
    shift
    "$PY" -S "$T/j.py" check "$jc_name" "$T/$jc_name.out" "$@"
    failures=$((failures + $?))
}

# jget NAME EXPR: a value from the last body of request NAME.
jget() {
    "$PY" -S "$T/j.py" get "$T/$1.out" "$2"
}

# ---------------------------------------------------------------- HTTP helpers
# req NAME METHOD PATH [CURL ARGS...]: a request to the current server $B; the body goes
# to $T/NAME.out, the headers to $T/NAME.hdr, the status to $code (000: no answer).
req() {
    rq_name=$1
    rq_method=$2
    rq_path=$3
    shift 3
    code=$(curl -s -o "$T/$rq_name.out" -D "$T/$rq_name.hdr" -w '%{http_code}' --max-time 20 \
        -X "$rq_method" ${AUTH:+-H "Authorization: Bearer $AUTH"} "$@" "$B$rq_path")
    [ -n "$code" ] || code=000
}

# jreq NAME METHOD PATH JSON [CURL ARGS...]: req with a JSON body.
jreq() {
    jr_name=$1
    jr_method=$2
    jr_path=$3
    jr_body=$4
    shift 4
    req "$jr_name" "$jr_method" "$jr_path" -H 'Content-Type: application/json' \
        --data-binary "$jr_body" "$@"
}

# expect NAME STATUS [ERROR_CODE]: the last status of NAME (and its error.code).
expect() {
    if [ "$code" != "$2" ]; then
        fail "$1: status $code, want $2; body: $(head -c 300 "$T/$1.out" 2>/dev/null)"
        return 1
    fi
    if [ $# -ge 3 ]; then
        jcheck "$1" "j['error']['code'] == '$3'" "len(j['error']['message']) > 0"
    fi
    return 0
}

# expect_header NAME TEXT: a response header line of NAME starts with TEXT.
expect_header() {
    tr -d '\r' <"$T/$1.hdr" | grep -qi "^$2" || fail "$1: no header '$2' in: $(tr -d '\r' <"$T/$1.hdr" | tr '\n' '|')"
}

# ---------------------------------------------------------------- servers
free_port() {
    "$PY" -S -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# wait_ready PORT PID LOG: until GET /readyz answers 200 and LOG shows that this server
# started (0: not some other process on the port), or the server died or 20 s passed (1).
wait_ready() {
    wr_i=0
    while [ "$wr_i" -lt 200 ]; do
        kill -0 "$2" 2>/dev/null || return 1
        wr_code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/readyz")
        [ "$wr_code" = 200 ] && grep -q "event=start listen=127.0.0.1:$1 " "$3" && return 0
        sleep 0.1
        wr_i=$((wr_i + 1))
    done
    return 1
}

# start_server TAG DIR [OTTERD ARGS...]: starts otterd on a free loopback port (another
# one if that port was taken meanwhile) with 2 threads and no periodic snapshots (the
# arguments may override those), and waits until it is ready. Sets PORT_TAG, PID_TAG and
# B (the base URL). Its log is $T/TAG.log (the previous run's is $T/TAG.log.old).
start_server() {
    ss_tag=$1
    ss_dir=$2
    shift 2
    ss_try=0
    while :; do
        ss_try=$((ss_try + 1))
        ss_port=$(free_port)
        [ -f "$T/$ss_tag.log" ] && mv "$T/$ss_tag.log" "$T/$ss_tag.log.old"
        "$OTTERD" --data-dir "$ss_dir" --listen "127.0.0.1:$ss_port" --threads 2 \
            --snapshot-every 0 "$@" >"$T/$ss_tag.log" 2>&1 </dev/null &
        ss_pid=$!
        PIDS="$PIDS $ss_pid"
        if wait_ready "$ss_port" "$ss_pid" "$T/$ss_tag.log"; then
            break
        fi
        kill -9 "$ss_pid" 2>/dev/null
        wait "$ss_pid" 2>/dev/null
        forget_pid "$ss_pid"
        if [ "$ss_try" -ge 5 ] || ! grep -q "cannot listen" "$T/$ss_tag.log"; then
            fail "$ss_tag: otterd did not become ready: $(tail -c 600 "$T/$ss_tag.log")"
            return 1
        fi
    done
    eval "PORT_$ss_tag=$ss_port PID_$ss_tag=$ss_pid"
    B="http://127.0.0.1:$ss_port"
    return 0
}

forget_pid() {
    PIDS=$(echo " $PIDS " | sed "s/ $1 / /")
}

# use TAG: makes TAG's server the current one ($B).
use() {
    eval "B=http://127.0.0.1:\$PORT_$1"
}

# stop_server TAG SIGNAL: signals TAG's server and waits for it; sets $rc.
stop_server() {
    eval "sp_pid=\$PID_$1"
    kill "-$2" "$sp_pid" 2>/dev/null
    wait "$sp_pid" 2>/dev/null
    rc=$?
    forget_pid "$sp_pid"
}

# must_exit TAG OTTERD ARGS...: otterd must exit by itself within 5 s (killed and a
# failure otherwise); its output is $T/TAG.out, its status $rc.
must_exit() {
    me_tag=$1
    shift
    "$OTTERD" "$@" >"$T/$me_tag.out" 2>&1 </dev/null &
    me_pid=$!
    PIDS="$PIDS $me_pid"
    me_i=0
    while kill -0 "$me_pid" 2>/dev/null && [ "$me_i" -lt 100 ]; do
        sleep 0.05
        me_i=$((me_i + 1))
    done
    if kill -0 "$me_pid" 2>/dev/null; then
        fail "$me_tag: otterd $* kept running"
        kill -9 "$me_pid"
    fi
    wait "$me_pid" 2>/dev/null
    rc=$?
    forget_pid "$me_pid"
}

alive() {
    req "$1" GET /healthz
    expect "$1" 200 && jcheck "$1" "j['status'] == 'ok'"
}

DA="$T/a"
DB="$T/b"

cat >"$T/openapi.json" <<'EOF'
{"openapi": "3.0.3", "info": {"title": "otterd test document", "version": "0"}, "paths": {}}
EOF

# ================================================================ models
section "models: create/get/list/delete, predict, learn (batches all or nothing), events and feedback"
start_server A "$DA" --openapi "$T/openapi.json" || exit 1

M1='{"type":"logreg","params":{"bits":12}}'
jreq put1 PUT /v1/models/m1 "$M1"
expect put1 201 && jcheck put1 "j['created'] is True" "j['name'] == 'm1'" "j['type'] == 'logreg'" \
    "j['version'] == 0" "j['params']['bits'] == '12'" "j['metrics'] is None"
jreq put2 PUT /v1/models/m1 "$M1"
expect put2 200 && jcheck put2 "j['created'] is False" "j['version'] == 0"
jreq put3 PUT /v1/models/m1 '{"type":"logreg","params":{"bits":13}}'
expect put3 409 EXISTS
jreq put4 PUT /v1/models/m1 '{"type":"linreg","params":{"bits":12}}'
expect put4 409 EXISTS
jreq putr PUT /v1/models/r1 '{"type":"linreg","params":{"bits":10}}'
expect putr 201

req get1 GET /v1/models/m1
expect get1 200 && jcheck get1 "j['type'] == 'logreg'" "j['params']['bits'] == '12'" \
    "j['version'] == 0" "'stats' in j"
req list1 GET /v1/models
expect list1 200 && jcheck list1 \
    "sorted((m['name'], m['type'], m['version']) for m in j['models']) == [('m1', 'logreg', 0), ('r1', 'linreg', 0)]" \
    "all(isinstance(m['bytes'], int) and m['bytes'] > 0 for m in j['models'])"

X1='"features":{"x":1.5,"y":-0.5,"color":"red"}'
jreq pred1 POST /v1/models/m1/predict "{$X1}"
expect pred1 200 && jcheck pred1 "0 <= j['prediction']['proba'] <= 1" \
    "j['prediction']['label'] in (0, 1)" "len(j['prediction']['probs']) == 2" \
    "'event_id' not in j"

jreq learn1 POST /v1/models/m1/learn "{$X1,\"label\":1}"
expect learn1 200 && jcheck learn1 "j['learned'] == 1" "j['version'] == 1"
jreq learn2 POST /v1/models/m1/learn '{"examples":[
    {"features":{"x":1.0,"y":0.2,"color":"red"},"label":1},
    {"features":{"x":-1.0,"y":0.1,"color":"blue"},"label":0},
    {"features":{"x":2.0,"color":"red"},"label":1,"weight":2},
    {"features":{"x":-2.0,"color":"blue"},"label":0},
    {"dense":[0.5,0.25],"label":1},
    {"features":{"x":-0.5},"dense":[1,2],"label":-1}]}'
expect learn2 200 && jcheck learn2 "j['learned'] == 6" "j['version'] == 7"

jreq pred2 POST /v1/models/m1/predict '{"instances":[{"features":{"x":1}},{"features":{"x":-1}},{"dense":[1,2]}]}'
expect pred2 200 && jcheck pred2 "len(j['predictions']) == 3" "'event_ids' not in j" \
    "all(0 <= p['proba'] <= 1 for p in j['predictions'])" \
    "j['predictions'][0]['proba'] > j['predictions'][1]['proba']"

# a bad example anywhere in a batch: 400 and nothing learned
jreq learn_bad1 POST /v1/models/m1/learn '{"examples":[{"features":{"x":1},"label":1},{"features":{"x":[1]},"label":0}]}'
expect learn_bad1 400 INVALID && jcheck learn_bad1 "'examples[1]' in j['error']['message']"
jreq learn_bad2 POST /v1/models/m1/learn '{"examples":[{"features":{"x":1},"label":1},{"features":{"x":1},"label":2}]}'
expect learn_bad2 400 INVALID && jcheck learn_bad2 "'examples[1]' in j['error']['message']"
jreq learn_bad3 POST /v1/models/m1/learn '{"examples":[{"features":{"x":1},"label":1},{"features":{"x":1},"label":"1"}]}'
expect learn_bad3 400 INVALID
jreq learn_bad4 POST /v1/models/m1/learn '{"examples":[{"features":{"x":1},"label":1},{"features":{"x":1},"label":1,"extra":1}]}'
expect learn_bad4 400 INVALID
req get2 GET /v1/models/m1
expect get2 200 && jcheck get2 "j['version'] == 7"

# pending events: predict with an event, then its label
jreq pev1 POST /v1/models/m1/predict "{$X1,\"event\":true}"
expect pev1 200 && jcheck pev1 "isinstance(j['event_id'], str) and len(j['event_id']) > 0" \
    "0 <= j['prediction']['proba'] <= 1"
ev1=$(jget pev1 "j['event_id']")
jreq fb1 POST /v1/models/m1/feedback "{\"event_id\":\"$ev1\",\"label\":1}"
expect fb1 200 && jcheck fb1 "j['learned'] == 1" "j['version'] == 8"
jreq fb1again POST /v1/models/m1/feedback "{\"event_id\":\"$ev1\",\"label\":1}"
expect fb1again 404 NOT_FOUND
jreq pev2 POST /v1/models/m1/predict '{"features":{"x":-1},"event_id":"fixed-1","ttl":600}'
expect pev2 200 && jcheck pev2 "j['event_id'] == 'fixed-1'"
jreq pev3 POST /v1/models/m1/predict '{"features":{"x":-1},"event_id":"fixed-1"}'
expect pev3 409 EXISTS
jreq fb_unknown POST /v1/models/m1/feedback '{"event_id":"never-scored","label":0}'
expect fb_unknown 404 NOT_FOUND
jreq fb2 POST /v1/models/m1/feedback '{"event_id":"fixed-1","label":0}'
expect fb2 200 && jcheck fb2 "j['version'] == 9"
jreq pev4 POST /v1/models/m1/predict '{"instances":[{"features":{"x":1}},{"features":{"x":-1}}],"event":true}'
expect pev4 200 && jcheck pev4 "len(j['predictions']) == 2" "len(set(j['event_ids'])) == 2"
ev4=$(jget pev4 "j['event_ids'][1]")
jreq fb4 POST /v1/models/m1/feedback "{\"event_id\":\"$ev4\",\"label\":0,\"weight\":0.5}"
expect fb4 200 && jcheck fb4 "j['version'] == 10"
# a batch with a bad item leaves no event pending (the items before it left theirs; found
# by make check-fuzz)
req pend0 GET /metrics
jreq pev5 POST /v1/models/m1/predict '{"instances":[{"features":{"x":1}},{"features":{"x":true}}],"event":true}'
expect pev5 400 INVALID && jcheck pev5 "'instances[1]' in j['error']['message']"
req pend1 GET /metrics
p0=$(sed -n 's/^otterd_events_pending //p' "$T/pend0.out")
p1=$(sed -n 's/^otterd_events_pending //p' "$T/pend1.out")
[ -n "$p0" ] && [ "$p0" = "$p1" ] || fail "pev5: events pending $p0 before a rejected batch, $p1 after"

req get3 GET /v1/models/m1
expect get3 200 && jcheck get3 "j['version'] == 10" "j['metrics']['n'] == 10" \
    "isnum(j['metrics']['log_loss']) and j['metrics']['log_loss'] > 0" \
    "isnum(j['metrics']['accuracy']) and 0 <= j['metrics']['accuracy'] <= 1" \
    "isnum(j['metrics']['auc']) and 0 <= j['metrics']['auc'] <= 1"

# regression: a value, no probability
jreq rlearn POST /v1/models/r1/learn '{"examples":[{"features":{"x":1},"label":2.5},{"features":{"x":2},"label":4.5}]}'
expect rlearn 200 && jcheck rlearn "j['version'] == 2"
jreq rpred POST /v1/models/r1/predict '{"features":{"x":1.5}}'
expect rpred 200 && jcheck rpred "isnum(j['prediction']['value'])" "j['prediction']['proba'] is None"

jreq putd PUT /v1/models/gone '{"type":"linreg","params":{"bits":8}}'
expect putd 201
req del1 DELETE /v1/models/gone
expect del1 204
[ -s "$T/del1.out" ] && fail "del1: a 204 with a body"
req del_get GET /v1/models/gone
expect del_get 404 NOT_FOUND
req del2 DELETE /v1/models/gone
expect del2 404 NOT_FOUND
jreq del_pred POST /v1/models/gone/predict '{"features":{"x":1}}'
expect del_pred 404 NOT_FOUND

# ================================================================ state
section "state: export from one server, import into another (same scores); damaged blob 422; wrong type 415"
req st_get GET /v1/models/m1/state
expect st_get 200 && expect_header st_get "Content-Type: application/octet-stream"
cp "$T/st_get.out" "$T/m1.state"
ver_a=$(jget get3 "j['version']")
start_server B "$DB" || exit 1
req st_put PUT /v1/models/m1/state -H 'Content-Type: application/octet-stream' \
    --data-binary "@$T/m1.state"
expect st_put 200 && jcheck st_put "j['name'] == 'm1'" "j['type'] == 'logreg'" \
    "j['version'] == $ver_a" "j['params']['bits'] == '12'"
PRED='{"instances":[{"features":{"x":1.5,"y":-0.5,"color":"red"}},{"features":{"x":-3,"color":"blue"}},{"dense":[0.5,0.25]}]}'
jreq pred_b POST /v1/models/m1/predict "$PRED"
expect pred_b 200
use A
jreq pred_a POST /v1/models/m1/predict "$PRED"
expect pred_a 200
if ! cmp -s "$T/pred_a.out" "$T/pred_b.out"; then
    fail "state: A and B score differently: $(cat "$T/pred_a.out") vs $(cat "$T/pred_b.out")"
fi
use B
"$PY" -S -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0x5a; open(sys.argv[2], "wb").write(b)' \
    "$T/m1.state" "$T/m1.bad"
req st_bad PUT /v1/models/m1/state -H 'Content-Type: application/octet-stream' \
    --data-binary "@$T/m1.bad"
expect st_bad 422 CORRUPT
req st_bad_new PUT /v1/models/fresh/state -H 'Content-Type: application/octet-stream' \
    --data-binary "@$T/m1.bad"
expect st_bad_new 422 CORRUPT
req st_bad_new_get GET /v1/models/fresh
expect st_bad_new_get 404
req st_json PUT /v1/models/m1/state -H 'Content-Type: application/json' \
    --data-binary "@$T/m1.state"
expect st_json 415 UNSUPPORTED_MEDIA_TYPE
req st_get_b GET /v1/models/m1/state
expect st_get_b 200
cmp -s "$T/st_get_b.out" "$T/m1.state" || fail "state: B's model changed after the refused imports"
jreq pred_b2 POST /v1/models/m1/predict "$PRED"
expect pred_b2 200 && { cmp -s "$T/pred_a.out" "$T/pred_b2.out" || fail "state: B scores differently after the refused imports"; }
stop_server B TERM
[ "$rc" -eq 0 ] || fail "state: server B exited with $rc on SIGTERM"

# ================================================================ bandits
section "bandits: thompson and linucb, rank, reward (once), defer/activate, arms, contexts"
use A
jreq b_put1 PUT /v1/bandits/t1 '{"policy":"thompson","arms":["a","b","c"]}'
expect b_put1 201 && jcheck b_put1 "j['created'] is True" "j['policy'] == 'thompson'" \
    "[a['name'] for a in j['arms']] == ['a', 'b', 'c']"
jreq b_put1again PUT /v1/bandits/t1 '{"policy":"thompson","arms":["a","b","c"]}'
expect b_put1again 200 && jcheck b_put1again "j['created'] is False"
jreq b_put1diff PUT /v1/bandits/t1 '{"policy":"thompson","arms":["a","b"]}'
expect b_put1diff 409 EXISTS
jreq b_put2 PUT /v1/bandits/lu '{"policy":"linucb","arms":["a","b"],"params":{"dim":"4"}}'
expect b_put2 201 && jcheck b_put2 "j['policy'] == 'linucb'" "j['params']['dim'] == '4'"
req b_list GET /v1/bandits
expect b_list 200 && jcheck b_list \
    "sorted((b['name'], b['policy']) for b in j['bandits']) == [('lu', 'linucb'), ('t1', 'thompson')]" \
    "all(isinstance(b['bytes'], int) and b['bytes'] > 0 for b in j['bandits'])"
req b_get GET /v1/bandits/t1
expect b_get 200 && jcheck b_get "j['version'] == 0" "j['pending'] == 0"

RANKED="isinstance(j['event_id'], str) and len(j['event_id']) > 0"
jreq rank1 POST /v1/bandits/t1/rank '{}'
expect rank1 200 && jcheck rank1 "$RANKED" "j['arm'] in ('a', 'b', 'c')" \
    "isnum(j['probability']) and 0 < j['probability'] <= 1" \
    "sorted(r['arm'] for r in j['ranking']) == ['a', 'b', 'c']" \
    "j['ranking'][0]['arm'] == j['arm']" \
    "abs(sum(r['probability'] for r in j['ranking']) - 1) < 1e-6"
rev1=$(jget rank1 "j['event_id']")
jreq rew1 POST /v1/bandits/t1/reward "{\"event_id\":\"$rev1\",\"reward\":1}"
expect rew1 200 && jcheck rew1 "j['rewarded'] is True"
jreq rew1again POST /v1/bandits/t1/reward "{\"event_id\":\"$rev1\",\"reward\":1}"
expect rew1again 409 CONFLICT
jreq rew_unknown POST /v1/bandits/t1/reward '{"event_id":"no-such-decision","reward":1}'
expect rew_unknown 404 NOT_FOUND
jreq rew_nob POST /v1/bandits/nob/reward '{"event_id":"x","reward":1}'
expect rew_nob 404 NOT_FOUND

jreq rank2 POST /v1/bandits/t1/rank '{"event_id":"deferred-1","defer":true}'
expect rank2 200 && jcheck rank2 "j['event_id'] == 'deferred-1'"
jreq rew2 POST /v1/bandits/t1/reward '{"event_id":"deferred-1","reward":0}'
expect rew2 409 STATE
req act2 POST /v1/bandits/t1/events/deferred-1/activate
expect act2 200 && jcheck act2 "j['activated'] is True"
req act2again POST /v1/bandits/t1/events/deferred-1/activate
expect act2again 409
req act_unknown POST /v1/bandits/t1/events/no-such-decision/activate
expect act_unknown 404 NOT_FOUND
jreq rew2b POST /v1/bandits/t1/reward '{"event_id":"deferred-1","reward":0}'
expect rew2b 200

jreq arm_add POST /v1/bandits/t1/arms '{"arm":"d"}'
expect arm_add 201 && jcheck arm_add "[a['name'] for a in j['arms']] == ['a', 'b', 'c', 'd']"
jreq rank3 POST /v1/bandits/t1/rank '{"arms":["c","d"]}'
expect rank3 200 && jcheck rank3 "j['arm'] in ('c', 'd')" "len(j['ranking']) == 2"
req arm_rm DELETE /v1/bandits/t1/arms/d
expect arm_rm 200 && jcheck arm_rm "[a['name'] for a in j['arms']] == ['a', 'b', 'c']"
req arm_rm2 DELETE /v1/bandits/t1/arms/d
expect arm_rm2 404 NOT_FOUND
req b_get2 GET /v1/bandits/t1
expect b_get2 200 && jcheck b_get2 "j['stats']['rewards'] == 2" "j['stats']['decisions'] == 3" \
    "sum(a['pulls'] for a in j['arms']) >= 2"

jreq lrank1 POST /v1/bandits/lu/rank '{"context":{"x":1,"y":0.5,"device":"phone"}}'
expect lrank1 200 && jcheck lrank1 "$RANKED" "j['arm'] in ('a', 'b')" "len(j['ranking']) == 2"
lev1=$(jget lrank1 "j['event_id']")
jreq lrew1 POST /v1/bandits/lu/reward "{\"event_id\":\"$lev1\",\"reward\":1}"
expect lrew1 200
jreq lrank2 POST /v1/bandits/lu/rank '{"dense":[1,0,0.5,0.25]}'
expect lrank2 200 && jcheck lrank2 "$RANKED" "j['arm'] in ('a', 'b')"
jreq lrank_bad POST /v1/bandits/lu/rank '{"context":{"x":[1]}}'
expect lrank_bad 400 INVALID
jreq brank_nob POST /v1/bandits/nob/rank '{}'
expect brank_nob 404 NOT_FOUND
jreq b_putd PUT /v1/bandits/tmp '{"policy":"ucb1","arms":["x","y"]}'
expect b_putd 201
req b_del DELETE /v1/bandits/tmp
expect b_del 204
req b_del2 GET /v1/bandits/tmp
expect b_del2 404

# event ids and units as the document states them (schemathesis found these taken)
jreq b_bad1 POST /v1/bandits/t1/rank '{"event_id":""}'
expect b_bad1 400 INVALID
jreq b_bad2 POST /v1/bandits/t1/rank '{"event_id":"with space"}'
expect b_bad2 400 INVALID
jreq b_bad3 POST /v1/bandits/t1/rank '{"unit":""}'
expect b_bad3 400 INVALID
jreq b_bad4 POST /v1/bandits/t1/reward '{"event_id":"","reward":1}'
expect b_bad4 400 INVALID
req b_bad5 POST /v1/bandits/t1/events/with%20space/activate
expect b_bad5 400 INVALID
# a message quoting a client's text cut inside a UTF-8 character still has a JSON body
long_key=$("$PY" -S -c 'print("\\ud835\\udd7f" * 40)')
jreq b_bad6 PUT /v1/bandits/t1 "{\"policy\":\"thompson\",\"arms\":[\"a\"],\"params\":{\"$long_key\":1}}"
expect b_bad6 400 INVALID
req b_bad7 DELETE /v1/bandits/t1/arms/%FF%FE
expect b_bad7 404 NOT_FOUND

# ================================================================ snapshots
section "snapshots: take, list, learn more, restore (version back), unknown id 404"
req snap1 POST /v1/snapshots
expect snap1 201 && jcheck snap1 "isinstance(j['id'], int) and j['id'] > 0" "j['entities'] >= 4"
snap_id=$(jget snap1 "j['id']")
req snap_list GET /v1/snapshots
expect snap_list 200 && jcheck snap_list "$snap_id in [s['id'] for s in j['snapshots']]"
req snap_v0 GET /v1/models/m1
v0=$(jget snap_v0 "j['version']")
jreq snap_learn POST /v1/models/m1/learn '{"examples":[{"features":{"x":3},"label":1},{"features":{"x":-3},"label":0},{"features":{"x":4},"label":1}]}'
expect snap_learn 200 && jcheck snap_learn "j['version'] == $v0 + 3"
req snap_restore POST "/v1/snapshots/$snap_id/restore"
expect snap_restore 200 && jcheck snap_restore "j['restored'] == $snap_id"
req snap_v1 GET /v1/models/m1
expect snap_v1 200 && jcheck snap_v1 "j['version'] == $v0"
req snap_unknown POST /v1/snapshots/999999/restore
expect snap_unknown 404 NOT_FOUND
req snap_badid POST /v1/snapshots/abc/restore
expect snap_badid 400 INVALID
req snap_badid2 POST /v1/snapshots/-1/restore
expect snap_badid2 400 INVALID
req snap_badid3 POST /v1/snapshots/+$snap_id/restore
expect snap_badid3 400 INVALID
jreq snap_big POST /v1/snapshots '{"id":9007199254740992}'
expect snap_big 400 INVALID
jreq snap_old POST /v1/snapshots "{\"id\":$snap_id}"
expect snap_old 409 CONFLICT

# ================================================================ errors
section "errors: parse/type/member/overflow/size/name/404/405/415 errors; the model unchanged"
req err_before GET /v1/models/m1/state
cp "$T/err_before.out" "$T/before.state"
vb=$(jget snap_v1 "j['version']")

jreq e_parse POST /v1/models/m1/learn '{"features":{"x":1},"label":'
expect e_parse 400 PARSE
jreq e_dup POST /v1/models/m1/learn '{"features":{"x":1},"label":1,"label":0}'
expect e_dup 400 PARSE
jreq e_array POST /v1/models/m1/learn '[{"features":{"x":1},"label":1}]'
expect e_array 400 INVALID
jreq e_type1 POST /v1/models/m1/learn '{"features":[1,2],"label":1}'
expect e_type1 400 INVALID
jreq e_type2 POST /v1/models/m1/learn '{"features":{"x":1},"label":"1"}'
expect e_type2 400 INVALID
jreq e_type3 POST /v1/models/m1/learn '{"features":{"x":true},"label":1}'
expect e_type3 400 INVALID
jreq e_type4 POST /v1/models/m1/learn '{"dense":[1,"2"],"label":1}'
expect e_type4 400 INVALID
jreq e_type5 POST /v1/models/m1/predict '{"features":{"x":1},"event":"yes"}'
expect e_type5 400 INVALID
jreq e_type6 POST /v1/models/m1/learn '{"features":{"x":1},"label":1,"weight":0}'
expect e_type6 400 INVALID
jreq e_type7 PUT /v1/models/m1 '{"type":5}'
expect e_type7 400 INVALID
jreq e_type8 POST /v1/models/m1/predict '{"features":{"x":1},"ttl":-1,"event":true}'
expect e_type8 400 INVALID
jreq e_type8b POST /v1/models/m1/predict '{"features":{"x":1},"ttl":1.5,"event":true}'
expect e_type8b 400 INVALID
jreq e_type9 POST /v1/models/m1/learn '{"examples":{"features":{"x":1},"label":1}}'
expect e_type9 400 INVALID
jreq e_label POST /v1/models/m1/learn '{"features":{"x":1},"label":3}'
expect e_label 400 INVALID
jreq e_member POST /v1/models/m1/learn '{"features":{"x":1},"label":1,"lable":1}'
expect e_member 400 INVALID && jcheck e_member "'lable' in j['error']['message']"
jreq e_member2 PUT /v1/models/m1 '{"type":"logreg","params":{"bits":12},"colour":"red"}'
expect e_member2 400 INVALID
jreq e_param PUT /v1/models/m3 '{"type":"logreg","params":{"no_such_param":1}}'
expect e_param 400 INVALID
jreq e_nan POST /v1/models/m1/learn '{"features":{"x":NaN},"label":1}'
expect e_nan 400 PARSE
jreq e_ovf1 POST /v1/models/m1/learn '{"features":{"x":1e999},"label":1}'
expect e_ovf1 400
jreq e_ovf2 POST /v1/models/m1/learn '{"features":{"x":1},"label":1e999}'
expect e_ovf2 400
jreq e_ovf3 POST /v1/models/m1/predict '{"dense":[-1e999]}'
expect e_ovf3 400
"$PY" -S -c 'import json, sys
feats = {"f%d" % i: 1 for i in range(10001)}
open(sys.argv[1], "w").write(json.dumps({"features": feats, "label": 1}))
open(sys.argv[2], "w").write(json.dumps({"features": feats}))
open(sys.argv[3], "w").write(json.dumps({"dense": [0.5] * 10001}))' \
    "$T/big_learn.json" "$T/big_pred.json" "$T/big_dense.json"
req e_many1 POST /v1/models/m1/learn -H 'Content-Type: application/json' --data-binary "@$T/big_learn.json"
expect e_many1 400 INVALID
req e_many2 POST /v1/models/m1/predict -H 'Content-Type: application/json' --data-binary "@$T/big_pred.json"
expect e_many2 400 INVALID
req e_many3 POST /v1/models/m1/predict -H 'Content-Type: application/json' --data-binary "@$T/big_dense.json"
expect e_many3 400 INVALID
jreq e_name1 POST /v1/models/bad%20name/learn '{"features":{"x":1},"label":1}'
expect e_name1 400 INVALID
name129=$("$PY" -S -c 'print("n" * 129)')
name128=$("$PY" -S -c 'print("n" * 128)')
jreq e_name2 PUT "/v1/models/$name129" "$M1"
expect e_name2 400 INVALID
req e_name3 GET "/v1/models/$name128"
expect e_name3 404 NOT_FOUND
jreq e_name4 PUT /v1/models/semi%3Bcolon "$M1"
expect e_name4 400 INVALID
jreq e_unknown1 POST /v1/models/nosuch/predict '{"features":{"x":1}}'
expect e_unknown1 404 NOT_FOUND
jreq e_unknown2 POST /v1/models/nosuch/learn '{"features":{"x":1},"label":1}'
expect e_unknown2 404 NOT_FOUND
req e_unknown3 GET /v1/models/nosuch
expect e_unknown3 404 NOT_FOUND
req e_unknown4 GET /v1/models/nosuch/state
expect e_unknown4 404 NOT_FOUND
req e_path1 GET /v1/nothing
expect e_path1 404 NOT_FOUND
req e_path2 GET /v1/models/m1/predict/extra
expect e_path2 404 NOT_FOUND
# a path or member name that is not UTF-8, or that the message cuts inside a character,
# still gets its JSON error (these went out with an empty body; found by make check-fuzz)
req e_utf1 GET /v1/nothing/%FF
expect e_utf1 404 NOT_FOUND
jreq e_utf2 POST /v1/models/%FF%FE/learn '{"features":{"x":1},"label":1}'
expect e_utf2 400 INVALID
jreq e_utf3 POST /v1/models/m1/learn "{\"features\":{\"x\":1},\"label\":1,\"a$("$PY" -S -c 'print("\u00e9" * 60)')\":1}"
expect e_utf3 400 INVALID && jcheck e_utf3 "'unknown member' in j['error']['message']"
req e_method1 PATCH /v1/models/m1
expect e_method1 405 METHOD_NOT_ALLOWED && expect_header e_method1 "Allow: GET, PUT, DELETE"
req e_method2 POST /v1/models
expect e_method2 405 METHOD_NOT_ALLOWED && expect_header e_method2 "Allow: GET"
req e_method3 GET /v1/models/m1/learn
expect e_method3 405 && expect_header e_method3 "Allow: POST"
req e_ct1 POST /v1/models/m1/learn -H 'Content-Type: text/plain' --data-binary '{"features":{"x":1},"label":1}'
expect e_ct1 415 UNSUPPORTED_MEDIA_TYPE
req e_ct2 POST /v1/models/m1/learn --data-binary '{"features":{"x":1},"label":1}'
expect e_ct2 415 UNSUPPORTED_MEDIA_TYPE
req e_body GET /v1/models/m1 -H 'Content-Type: application/json' --data-binary '{}'
expect e_body 400 INVALID

alive e_alive
req err_after GET /v1/models/m1/state
expect err_after 200
cmp -s "$T/err_after.out" "$T/before.state" || fail "errors: m1's state changed after the bad requests"
req err_v GET /v1/models/m1
expect err_v 200 && jcheck err_v "j['version'] == $vb"

# ================================================================ body limit
section "body limit: --max-body 1024 answers 413 and keeps serving"
start_server L "$T/l" --max-body 1024 || exit 1
jreq l_put PUT /v1/models/m '{"type":"logreg","params":{"bits":8}}'
expect l_put 201
"$PY" -S -c 'import json, sys
open(sys.argv[1], "w").write(json.dumps({"features": {"feature_%d" % i: i for i in range(120)}, "label": 1}))' \
    "$T/l_big.json"
req l_big POST /v1/models/m/learn -H 'Content-Type: application/json' --data-binary "@$T/l_big.json"
expect l_big 413 TOO_LARGE
jreq l_small POST /v1/models/m/learn '{"features":{"x":1},"label":1}'
expect l_small 200 && jcheck l_small "j['version'] == 1"
alive l_alive
stop_server L TERM
[ "$rc" -eq 0 ] || fail "body limit: server L exited with $rc on SIGTERM"

# ================================================================ metrics, openapi
section "operations: /metrics (requests, latency buckets), /openapi.json, /readyz"
use A
req metrics GET /metrics
expect metrics 200
grep -q '^otterd_requests_total{route="learn",status="200"} [0-9]' "$T/metrics.out" ||
    fail "metrics: no otterd_requests_total line for learn: $(head -c 300 "$T/metrics.out")"
grep -q '^otterd_requests_total{route="learn",status="400"} [0-9]' "$T/metrics.out" ||
    fail "metrics: no otterd_requests_total line for the 400s of learn"
grep -q '^otterd_request_seconds_bucket{route="predict",le="+Inf"} [0-9]' "$T/metrics.out" ||
    fail "metrics: no otterd_request_seconds_bucket line for predict"
req openapi GET /openapi.json
expect openapi 200 && expect_header openapi "Content-Type: application/json"
cmp -s "$T/openapi.out" "$T/openapi.json" || fail "openapi: /openapi.json is not the --openapi file"
req ready GET /readyz
expect ready 200 && jcheck ready "j['status'] == 'ready'"

# ================================================================ lifecycle
section "lifecycle: --help, usage errors, a port in use, SIGTERM (exit 0, final snapshot), restart keeps the state"
"$OTTERD" --help >"$T/help.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "--help exited with $rc"
grep -q -- "--data-dir" "$T/help.out" || fail "--help does not mention --data-dir"
"$OTTERD" --data-dir "$T/x" --no-such-option >"$T/badopt.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "a bad option exited with $rc, want 2"
"$OTTERD" --threads 2 >"$T/nodir.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "no --data-dir exited with $rc, want 2"
"$OTTERD" --data-dir "$T/x" --threads zero >"$T/badval.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "a bad option value exited with $rc, want 2"
"$OTTERD" --data-dir "$T/x" --listen nowhere >"$T/badlisten.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "a bad --listen exited with $rc, want 2"

# a second otterd on A's port must not share it
must_exit dup --data-dir "$T/dup" --listen "127.0.0.1:$PORT_A" --threads 2 --snapshot-every 0
[ "$rc" -ne 0 ] || fail "lifecycle: a second otterd on a port in use exited 0"
grep -q "cannot listen" "$T/dup.out" || fail "lifecycle: no clear message for a port in use: $(tail -c 300 "$T/dup.out")"
alive lc_alive

req lc_models GET /v1/models
req lc_bandits GET /v1/bandits
stop_server A TERM
[ "$rc" -eq 0 ] || fail "lifecycle: SIGTERM exited with $rc, want 0: $(tail -c 400 "$T/A.log")"
sed -n '/event=stop/,$p' "$T/A.log" | grep -q "event=snapshot" ||
    fail "lifecycle: no snapshot logged after the stop: $(tail -c 400 "$T/A.log")"
n_snaps=$(ls "$DA/snapshots" 2>/dev/null | wc -l)
[ "$n_snaps" -ge 2 ] || fail "lifecycle: $n_snaps snapshot(s) in $DA/snapshots after SIGTERM, want the manual one and the final one"
start_server A "$DA" --openapi "$T/openapi.json" || exit 1
req lc_models2 GET /v1/models
expect lc_models2 200
# the same lists but for bytes: the memory of a loaded entity, 0 until it is used again
same_list() {
    "$PY" -S -c 'import json, sys
def entries(path):
    return [{k: v for k, v in e.items() if k != "bytes"} for e in json.load(open(path))[sys.argv[3]]]
sys.exit(entries(sys.argv[1]) != entries(sys.argv[2]))' "$T/$1.out" "$T/$2.out" "$3"
}
same_list lc_models lc_models2 models ||
    fail "lifecycle: models after the restart $(cat "$T/lc_models2.out"), before $(cat "$T/lc_models.out")"
req lc_bandits2 GET /v1/bandits
same_list lc_bandits lc_bandits2 bandits ||
    fail "lifecycle: bandits after the restart $(cat "$T/lc_bandits2.out"), before $(cat "$T/lc_bandits.out")"
req lc_snaps GET /v1/snapshots
expect lc_snaps 200 && jcheck lc_snaps "max(s['id'] for s in j['snapshots']) > $snap_id"
req lc_state GET /v1/models/m1/state
cmp -s "$T/lc_state.out" "$T/before.state" || fail "lifecycle: m1's state changed across the restart"
stop_server A TERM
[ "$rc" -eq 0 ] || fail "lifecycle: second SIGTERM exited with $rc"
# A SIGTERM that reaches a thread started before main (OpenBLAS's pool does not block
# signals) must still stop otterd cleanly. `kill TID` hands the signal to that thread
# when it does not block it, which is where the kernel sends it whenever the main thread
# is busy (not in sigtimedwait).
start_server S "$T/s" || exit 1
open_tid=""
for t in /proc/$PID_S/task/*; do
    tid=${t##*/}
    [ "$tid" != "$PID_S" ] && grep -q '^SigBlk:[[:space:]]*0*$' "$t/status" 2>/dev/null &&
        { open_tid=$tid; break; }
done
if [ -n "$open_tid" ]; then
    kill -TERM "$open_tid"
    wait "$PID_S" 2>/dev/null
    rc=$?
    forget_pid "$PID_S"
    [ "$rc" -eq 0 ] && grep -q "event=stop" "$T/S.log" ||
        fail "lifecycle: SIGTERM to thread $open_tid (signals not blocked) exited $rc: $(tail -c 300 "$T/S.log")"
else
    echo "   (no thread without blocked signals: the SIGTERM-to-another-thread check has nothing to aim at)"
    stop_server S TERM
fi

# ================================================================ auth
section "auth: bearer tokens with scopes, 401/403, open health, SIGHUP reload; no tokens off loopback"
RT=read-token-0123456789
WT=write-token-0123456789
AT=admin-token-0123456789
NT=new-read-token-0123456789
cat >"$T/tokens" <<EOF
# test tokens
$RT read
$WT read,write
$AT read,write,admin
EOF
start_server U "$T/u" --auth-tokens "$T/tokens" || exit 1
AUTH=""
req au_none GET /v1/models
expect au_none 401 UNAUTHORIZED && expect_header au_none "WWW-Authenticate: Bearer"
AUTH=not-a-token-at-all-000
req au_bad GET /v1/models
expect au_bad 401 UNAUTHORIZED
AUTH=$AT
jreq au_create PUT /v1/models/m "$M1"
expect au_create 201
AUTH=$RT
req au_r_list GET /v1/models
expect au_r_list 200
jreq au_r_pred POST /v1/models/m/predict '{"features":{"x":1}}'
expect au_r_pred 200
jreq au_r_learn POST /v1/models/m/learn '{"features":{"x":1},"label":1}'
expect au_r_learn 403 FORBIDDEN
jreq au_r_create PUT /v1/models/m2 "$M1"
expect au_r_create 403 FORBIDDEN
AUTH=$WT
jreq au_w_learn POST /v1/models/m/learn '{"features":{"x":1},"label":1}'
expect au_w_learn 200 && jcheck au_w_learn "j['version'] == 1"
jreq au_w_create PUT /v1/models/m2 "$M1"
expect au_w_create 403 FORBIDDEN
req au_w_snap POST /v1/snapshots
expect au_w_snap 403 FORBIDDEN
AUTH=$AT
jreq au_a_learn POST /v1/models/m/learn '{"features":{"x":1},"label":0}'
expect au_a_learn 200
req au_a_snap POST /v1/snapshots
expect au_a_snap 201
req au_a_del DELETE /v1/models/m
expect au_a_del 204
AUTH=""
req au_health GET /healthz
expect au_health 200
req au_ready GET /readyz
expect au_ready 200
req au_metrics GET /metrics
expect au_metrics 200
# the read token is replaced; SIGHUP reloads the file
sed "s/^$RT /$NT /" "$T/tokens" >"$T/tokens.new" && mv "$T/tokens.new" "$T/tokens"
kill -HUP "$PID_U"
AUTH=$NT
i=0
while [ "$i" -lt 50 ]; do
    req au_new GET /v1/models
    [ "$code" = 200 ] && break
    sleep 0.1
    i=$((i + 1))
done
expect au_new 200
AUTH=$RT
req au_old GET /v1/models
expect au_old 401 UNAUTHORIZED
AUTH=$WT
req au_kept GET /v1/models
expect au_kept 200
# a broken token file on SIGHUP: logged, and the tokens in force are kept
printf '%s\n' "short read" >"$T/tokens"
kill -HUP "$PID_U"
i=0
while ! grep -q "kept the old tokens" "$T/U.log" && [ "$i" -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
grep -q "kept the old tokens" "$T/U.log" || fail "auth: no error logged for a broken token file on SIGHUP"
AUTH=$NT
req au_kept2 GET /v1/models
expect au_kept2 200
AUTH=""
kill -0 "$PID_U" 2>/dev/null || fail "auth: otterd died on SIGHUP"
stop_server U TERM
[ "$rc" -eq 0 ] || fail "auth: SIGTERM exited with $rc"

must_exit open --data-dir "$T/open" --listen "0.0.0.0:$(free_port)" --threads 2
[ "$rc" -ne 0 ] || fail "auth: otterd without --auth-tokens on 0.0.0.0 exited 0"
grep -q -- "--auth-tokens" "$T/open.out" && grep -q "loopback" "$T/open.out" ||
    fail "auth: no clear message for 0.0.0.0 without tokens: $(cat "$T/open.out")"

# ================================================================ config
section "config: options from --config FILE (name = value lines), bad lines refused"
cat >"$T/k.conf" <<'CONF'
# otterd options, as the long option names
durability = none
max-body   = 2048
CONF
start_server K "$T/k" --config "$T/k.conf" || exit 1
big=$(python3 -c 'import json; print(json.dumps({"features": {"f%d" % i: i for i in range(300)}}))')
jreq k_big POST /v1/models/none/predict "$big"
expect k_big 413
grep -q "durability=none" "$T/K.log" || fail "config: durability from the file not used: $(head -c 400 "$T/K.log")"
stop_server K TERM
printf 'durability = sometimes\n' >"$T/bad.conf"
must_exit badconf --data-dir "$T/bad" --config "$T/bad.conf"
[ "$rc" -eq 2 ] || fail "config: a bad value exited $rc, not 2"
grep -q "bad.conf:1" "$T/badconf.out" || fail "config: the message does not name the line: $(cat "$T/badconf.out")"

# ================================================================ tls
section "tls: --tls-cert/--tls-key serve HTTPS (a self-signed certificate); plain HTTP gets no answer; bad key files refused"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" -out "$T/tls.crt" -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >"$T/openssl.out" 2>&1 ||
    fail "tls: openssl could not make a certificate: $(cat "$T/openssl.out")"
tls_port=$(free_port)
"$OTTERD" --data-dir "$T/tls" --listen "127.0.0.1:$tls_port" --threads 2 --snapshot-every 0 \
    --tls-cert "$T/tls.crt" --tls-key "$T/tls.key" >"$T/TLS.log" 2>&1 </dev/null &
PID_TLS=$!
PIDS="$PIDS $PID_TLS"
PORT_TLS=$tls_port
B="https://127.0.0.1:$tls_port"
i=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$T/tls.crt" "$B/readyz")" = 200 ]; do
    i=$((i + 1))
    if [ "$i" -ge 100 ] || ! kill -0 "$PID_TLS" 2>/dev/null; then
        fail "tls: otterd did not become ready over HTTPS: $(tail -c 600 "$T/TLS.log")"
        break
    fi
    sleep 0.1
done
jreq tls_put PUT /v1/models/t '{"type":"logreg"}' --cacert "$T/tls.crt"
expect tls_put 201
jreq tls_learn POST /v1/models/t/learn '{"features":{"x":1},"label":1}' --cacert "$T/tls.crt"
expect tls_learn 200 && jcheck tls_learn "j['learned'] == 1"
jreq tls_pred POST /v1/models/t/predict '{"features":{"x":1}}' --cacert "$T/tls.crt"
expect tls_pred 200 && jcheck tls_pred "j['prediction']['proba'] > 0.5"
# the certificate is checked: without the CA curl refuses (exit 60), and plain HTTP on
# the TLS port gets no HTTP answer
curl -s -o /dev/null --max-time 5 "$B/healthz"
[ $? -eq 60 ] || fail "tls: curl without --cacert did not fail certificate verification"
plain=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$tls_port/healthz")
[ "$plain" != 200 ] || fail "tls: plain HTTP answered 200 on the TLS port"
grep -q "event=start listen=127.0.0.1:$tls_port .*tls=on" "$T/TLS.log" ||
    fail "tls: the start line does not say TLS is on: $(head -c 400 "$T/TLS.log")"
stop_server TLS TERM
[ "$rc" -eq 0 ] || fail "tls: otterd exited $rc after SIGTERM"
echo "not a key" >"$T/bad.key"
must_exit tlsbad --data-dir "$T/tlsbad" --listen "127.0.0.1:$(free_port)" \
    --tls-cert "$T/tls.crt" --tls-key "$T/bad.key"
[ "$rc" -ne 0 ] || fail "tls: a bad key file exited 0"
grep -qi "tls" "$T/tlsbad.out" || fail "tls: no clear message for a bad key: $(cat "$T/tlsbad.out")"
must_exit tlshalf --data-dir "$T/tlshalf" --tls-cert "$T/tls.crt"
[ "$rc" -eq 2 ] || fail "tls: --tls-cert without --tls-key exited $rc, not 2"
must_exit tlsmissing --data-dir "$T/tlsmissing" --listen "127.0.0.1:$(free_port)" \
    --tls-cert "$T/nope.crt" --tls-key "$T/tls.key"
[ "$rc" -ne 0 ] && grep -q "nope.crt" "$T/tlsmissing.out" ||
    fail "tls: a missing certificate file: rc $rc, $(cat "$T/tlsmissing.out")"

# ================================================================ crash
section "crash: --durability sync, kill -9 during a feedback load (score with an event id, then label it); acknowledged labels survive"
DC="$T/c"
start_server C "$DC" --durability sync || exit 1
jreq c_put PUT /v1/models/c '{"type":"logreg","params":{"bits":10}}'
expect c_put 201
CB=$B
: >"$T/acks"
(
    i=0
    while [ "$i" -lt 300 ]; do
        c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
            --data-binary "{\"features\":{\"x\":$((i % 17)),\"k\":\"v$((i % 5))\"},\"event_id\":\"e$i\"}" \
            "$CB/v1/models/c/predict")
        [ "$c" = 200 ] || break
        c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
            --data-binary "{\"event_id\":\"e$i\",\"label\":$((i % 2))}" \
            "$CB/v1/models/c/feedback")
        [ "$c" = 200 ] && echo "$i" >>"$T/acks"
        i=$((i + 1))
    done
) &
LOOP_PID=$!
kill_at=${CRASH_AT:-$(awk 'BEGIN { srand(); print 20 + int(rand() * 180) }')}
echo "   (killing after $kill_at acknowledged labels; CRASH_AT=$kill_at repeats it)"
i=0
while [ "$(wc -l <"$T/acks")" -lt "$kill_at" ] && [ "$i" -lt 3000 ]; do
    kill -0 "$LOOP_PID" 2>/dev/null || break
    sleep 0.01
    i=$((i + 1))
done
stop_server C KILL
wait "$LOOP_PID"
LOOP_PID=""
acks=$(wc -l <"$T/acks")
[ "$rc" -eq 137 ] || fail "crash: otterd exited with $rc before the kill"
[ "$acks" -lt 300 ] || fail "crash: the kill came after the whole loop (all $acks labels acknowledged)"
[ "$acks" -ge "$kill_at" ] || fail "crash: only $acks labels acknowledged before the kill"
start_server C "$DC" --durability sync || exit 1
req c_get GET /v1/models/c
expect c_get 200 && jcheck c_get "$acks <= j['version'] <= $acks + 1"
echo "   ($acks acknowledged, version after the restart $(jget c_get "j['version']"))"
# a label acknowledged before the crash was consumed exactly once: sending it again is 404
jreq c_again POST /v1/models/c/feedback '{"event_id":"e0","label":1}'
expect c_again 404
jreq c_learn POST /v1/models/c/learn '{"features":{"x":1},"label":1}'
expect c_learn 200
stop_server C TERM
[ "$rc" -eq 0 ] || fail "crash: SIGTERM after recovery exited with $rc"

echo "== done in $(($(date +%s) - started)) s"
if [ "$failures" -ne 0 ]; then
    echo "$failures otterd check(s) failed"
    exit 1
fi
echo "all otterd checks passed"
exit 0
