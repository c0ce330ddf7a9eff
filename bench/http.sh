#!/usr/bin/env bash
# otterd's HTTP figures against a floor, with wrk on loopback. Usually run as
# `bash bench/run.sh http [options]`.
#   --otterd PATH     the otterd to measure (default: ./otterd in the build tree, built
#                     first when the Makefile knows it; without one only the floor runs)
#   --duration S      whole seconds of each measured wrk run (default 10)
#   --connections C   wrk connections (default 64)
#   --wrk-threads T   wrk threads (default 2)
#   --threads N       server threads, floor and otterd alike (default: nproc)
#   --warmup S        whole seconds of one-connection warm-up before each run (default 1)
#   --rounds R        rounds, each the floor and then every otterd scenario (default 3)
#   --dir PARENT      where otterd's data directories go (default /tmp; removed after)
#
# The floor (bench/http_floor.c) is a bare libmicrohttpd server that reads the body and
# answers a fixed 20-byte JSON; it is measured with the single-instance predict body, in
# the same run as otterd. Then, with otterd: otterd --durability none with model "fraud"
# (logreg) and bandits "t" (thompson, 4 arms) and "l" (linucb, 10 arms, dim 16): learn,
# predict one instance, predict a batch of 100, rank with each bandit; then a fresh
# otterd --durability sync for learn again. Each scenario is one wrk run of the Lua
# script for its body kind (bench/wrk/), after a warm-up run that also writes one body
# for curl to check (a refused body stops that scenario, not the others). Each round
# runs the floor and then every otterd scenario; rounds interleave the two sides.
#
# Writes bench/out/http.jsonl (replaced each run): one "run" line (machine, versions,
# settings); one "scenario" line per scenario and round (requests/s, latency percentiles
# in ms, errors, ratio to that round's floor); one "summary" line per scenario (medians
# over the rounds; the ratio is of the medians); with otterd, one "targets" line (the
# issue's: predict of one instance at >= 70% of the floor's requests/s, p99 < 2 ms at
# 64 connections). The exit status is 1 if a scenario's requests were refused.
# Needs wrk, curl and python3 (Debian packages of those names); installs nothing itself.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
otterd=""
duration=10
connections=64
wrk_threads=2
threads="$(nproc)"
warmup=1
rounds=3
parent=/tmp
while [[ $# -gt 0 ]]; do
    case "$1" in
    --otterd) otterd="$2"; shift ;;
    --duration) duration="$2"; shift ;;
    --connections) connections="$2"; shift ;;
    --wrk-threads) wrk_threads="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --dir) parent="$2"; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "http.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

# wrk takes whole seconds and counts
for v in duration connections wrk_threads threads warmup rounds; do
    if [[ ! "${!v}" =~ ^[1-9][0-9]*$ ]]; then
        echo "http.sh: --${v//_/-} wants a positive whole number, not '${!v}'" >&2
        exit 2
    fi
done
for tool in wrk curl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "http.sh: $tool not found: install the Debian package '$tool' (apt-get install $tool)" >&2
        exit 1
    fi
done

# ---- build -------------------------------------------------------------------------
if [[ ! -f "$root/Makefile" ]]; then
    (cd "$root" && { [[ -x ./configure ]] || autoreconf -fi; } && ./configure)
fi
make -C "$root" -j2 bench/http_floor >/dev/null
floor_bin="$root/bench/http_floor"
if [[ -z "$otterd" ]]; then
    # otterd is built by the tree's Makefile once it exists; until then there is no rule.
    if make -C "$root" -n otterd >/dev/null 2>&1; then
        make -C "$root" -j2 otterd >/dev/null
    fi
    [[ -x "$root/otterd" ]] && otterd="$root/otterd"
elif [[ ! -x "$otterd" ]]; then
    echo "http.sh: --otterd $otterd is not an executable file" >&2
    exit 2
fi

# ---- servers -----------------------------------------------------------------------
tmp="$(mktemp -d "$parent/otter-http.XXXXXX")"
server_pids=()
wrk_pid=""
cleanup() {
    local pid pids=("${server_pids[@]}")
    if [[ -n "$wrk_pid" ]]; then
        kill -TERM "$wrk_pid" 2>/dev/null || true
    fi
    for pid in "${pids[@]}"; do
        stop_server "$pid"
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_wrk ARGS...: wrk in the background and a wait for it. wrk stops cleanly on SIGINT
# and exits 0, so a foreground wrk would make bash carry on after a Ctrl-C (it only
# acts on a SIGINT that killed its child); a trapped signal interrupts `wait` at once.
run_wrk() {
    local rc=0
    wrk "$@" &
    wrk_pid=$!
    wait "$wrk_pid" || rc=$?
    wrk_pid=""
    return "$rc"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_ready PID URL LOG: until URL answers 200, for at most 30 s, while PID lives.
wait_ready() {
    local pid="$1" url="$2" log="$3" i
    for ((i = 0; i < 300; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "http.sh: server exited before it was ready; its log:" >&2
            tail -n 20 "$log" >&2
            return 1
        fi
        if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "http.sh: $url not ready after 30 s; server log:" >&2
    tail -n 20 "$log" >&2
    return 1
}

# stop_server PID: SIGTERM, then SIGKILL after 15 s.
stop_server() {
    local pid="$1" i keep=()
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for i in "${server_pids[@]}"; do
        [[ "$i" == "$pid" ]] || keep+=("$i")
    done
    server_pids=("${keep[@]}")
}

# start_otterd DURABILITY: on a fresh data directory; sets otterd_pid and base.
start_otterd() {
    local durability="$1" port data log
    port="$(free_port)"
    data="$tmp/data-$durability-$round"
    log="$tmp/otterd-$durability-$round.log"
    mkdir -p "$data"
    echo "+ otterd --durability $durability --threads $threads on 127.0.0.1:$port" >&2
    "$otterd" --data-dir "$data" --listen "127.0.0.1:$port" --durability "$durability" \
        --threads "$threads" >"$log" 2>&1 &
    otterd_pid=$!
    server_pids+=("$otterd_pid")
    base="http://127.0.0.1:$port"
    wait_ready "$otterd_pid" "$base/readyz" "$log"
}

# put PATH BODY: create an entity; fails loudly with otterd's answer.
put() {
    local code
    code="$(curl -sS -o "$tmp/put.out" -w '%{http_code}' -X PUT \
        -H 'Content-Type: application/json' --data-binary "$2" "$base$1")"
    if [[ "$code" != 2* ]]; then
        echo "http.sh: PUT $1 answered $code: $(head -c 500 "$tmp/put.out")" >&2
        return 1
    fi
}

# ---- measuring -----------------------------------------------------------------------
out_dir="$here/out"
mkdir -p "$out_dir"
out="$out_dir/http.jsonl"
: >"$out"
floor_rps=""
failed=0

json_str() {
    local s="${1//\\/\\\\}"
    printf '"%s"' "${s//\"/\\\"}"
}

# scenario NAME SERVER SCRIPT URL [CHECK]: warm up (writing a sample body), check the
# sample with curl when CHECK is 1, then measure and append the scenario's line.
scenario() {
    local name="$1" server="$2" script="$here/wrk/$3.lua" url="$4" check="${5:-1}"
    local sample="$tmp/$name.sample.json" report="$tmp/$name.wrk" code extra
    echo "+ $name: $server, POST $url ($3.lua)" >&2
    run_wrk -t1 -c1 -d"${warmup}s" -s "$script" "$url" -- "$sample" >/dev/null
    if [[ "$check" == 1 ]]; then
        code="$(curl -sS -o "$tmp/check.out" -w '%{http_code}' -X POST \
            -H 'Content-Type: application/json' --data-binary "@$sample" "$url")"
        if [[ "$code" != 2* ]]; then
            echo "http.sh: $name: the server answered $code to a sample body: $(head -c 500 "$tmp/check.out")" >&2
            printf '{"bench":"http","kind":"scenario","scenario":"%s","server":"%s","round":%d,"error":%s}\n' \
                "$name" "$server" "$round" "$(json_str "sample body answered $code")" >>"$out"
            failed=1
            return 0
        fi
    fi
    run_wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --latency -s "$script" "$url" \
        >"$report"
    sed 's/^/    /' "$report" >&2
    extra=""
    [[ "$3" == predict_batch ]] && extra=',"instances_per_request":100'
    parse_wrk "$report" "$name" "$server" "${floor_rps:-self}" "$extra" "$(wc -c <"$sample")" >>"$out"
    tail -n 1 "$out" >&2
    if tail -n 1 "$out" | grep -q '"valid":false'; then
        echo "http.sh: warning: $name had errors (see non_2xx and socket_errors)" >&2
        tail -n 1 "$out" | grep -q '"non_2xx":0,' || failed=1
    fi
    if [[ "$name" == floor ]]; then
        floor_rps="$(awk '/^Requests\/sec:/ { print $2 }' "$report")"
    fi
}

# parse_wrk REPORT NAME SERVER FLOOR_RPS EXTRA SAMPLE_BYTES: wrk's --latency report as
# one JSON line. wrk prints times as 812.00us, 1.23ms, 1.05s (or m, h).
parse_wrk() {
    awk -v name="$2" -v server="$3" -v floor="$4" -v extra="$5" -v bytes="$6" -v round="$round" \
        -v conns="$connections" -v wthreads="$wrk_threads" -v sthreads="$threads" '
    function ms(v) {
        if (v ~ /us$/) return v / 1000
        if (v ~ /ms$/) return v + 0
        if (v ~ /s$/) return v * 1000
        if (v ~ /m$/) return v * 60000
        if (v ~ /h$/) return v * 3600000
        return -1
    }
    $1 == "Latency" && NF >= 4 { avg = ms($2); max = ms($4) }
    $1 == "50%" { p50 = ms($2) }
    $1 == "75%" { p75 = ms($2) }
    $1 == "90%" { p90 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    / requests in / { requests = $1; secs = $4 + 0 }
    /^Requests\/sec:/ { rps = $2 + 0 }
    /Non-2xx or 3xx responses:/ { non2xx = $NF + 0 }
    /Socket errors:/ { econn = $4 + 0; eread = $6 + 0; ewrite = $8 + 0; etimeout = $10 + 0 }
    END {
        if (rps == "" || p99 == "") {
            printf "{\"bench\":\"http\",\"kind\":\"scenario\",\"scenario\":\"%s\",\"server\":\"%s\",\"round\":%d,\"error\":\"could not read the wrk report\"}\n", name, server, round
            exit
        }
        ratio = floor == "self" ? "1.000" : (floor > 0 ? sprintf("%.3f", rps / floor) : "null")
        valid = (non2xx == 0 && econn + eread + ewrite + etimeout == 0 && requests > 0) ? "true" : "false"
        printf "{\"bench\":\"http\",\"kind\":\"scenario\",\"scenario\":\"%s\",\"server\":\"%s\",\"round\":%d%s,", name, server, round, extra
        printf "\"connections\":%d,\"wrk_threads\":%d,\"server_threads\":%d,\"sample_body_bytes\":%d,", conns, wthreads, sthreads, bytes
        printf "\"seconds\":%.2f,\"requests\":%d,\"requests_per_s\":%.2f,\"ratio_to_floor\":%s,", secs, requests, rps, ratio
        printf "\"latency_ms\":{\"avg\":%.3f,\"p50\":%.3f,\"p75\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f},", avg, p50, p75, p90, p99, max
        printf "\"non_2xx\":%d,\"socket_errors\":{\"connect\":%d,\"read\":%d,\"write\":%d,\"timeout\":%d},\"valid\":%s}\n", non2xx, econn, eread, ewrite, etimeout, valid
    }' "$1"
}

# The run's line: machine, versions and settings.
{
    printf '{"bench":"http","kind":"run","date":"%s","commit":"%s",' \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    printf '"cpus":%d,"cpu_model":%s,"loadavg_1m":%s,' "$(nproc)" \
        "$(json_str "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)")" \
        "$(cut -d' ' -f1 /proc/loadavg)"
    printf '"wrk":%s,"libmicrohttpd":"%s",' "$(json_str "$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f2)")" \
        "$(pkg-config --modversion libmicrohttpd 2>/dev/null || echo unknown)"
    printf '"connections":%d,"wrk_threads":%d,"server_threads":%d,"duration_s":%s,"warmup_s":%s,"rounds":%d,"otterd":%s}\n' \
        "$connections" "$wrk_threads" "$threads" "$duration" "$warmup" "$rounds" \
        "$([[ -n "$otterd" ]] && json_str "$otterd" || echo null)"
} >>"$out"
tail -n 1 "$out" >&2

measure_floor() {
    local port
    port="$(free_port)"
    floor_rps=""
    "$floor_bin" --port "$port" --threads "$threads" >"$tmp/floor.log" 2>&1 &
    floor_pid=$!
    server_pids+=("$floor_pid")
    wait_ready "$floor_pid" "http://127.0.0.1:$port/readyz" "$tmp/floor.log"
    scenario floor http_floor predict "http://127.0.0.1:$port/v1/models/fraud/predict" 0
    stop_server "$floor_pid"
    sed 's/^/    /' "$tmp/floor.log" >&2
    if [[ -z "$floor_rps" ]]; then
        echo "http.sh: the floor's run gave no requests/s" >&2
        exit 1
    fi
}

measure_otterd() {
    start_otterd none
    put /v1/models/fraud '{"type":"logreg","params":{}}'
    put /v1/bandits/t '{"policy":"thompson","arms":["a","b","c","d"]}'
    put /v1/bandits/l '{"policy":"linucb","arms":["a0","a1","a2","a3","a4","a5","a6","a7","a8","a9"],"params":{"dim":"16"}}'
    # learn first, so that the predictions come from a trained model
    scenario learn_none otterd learn "$base/v1/models/fraud/learn"
    scenario predict otterd predict "$base/v1/models/fraud/predict"
    scenario predict_batch100 otterd predict_batch "$base/v1/models/fraud/predict"
    scenario rank_thompson otterd rank "$base/v1/bandits/t/rank"
    scenario rank_linucb otterd rank "$base/v1/bandits/l/rank"
    stop_server "$otterd_pid"

    start_otterd sync
    put /v1/models/fraud '{"type":"logreg","params":{}}'
    scenario learn_sync otterd learn "$base/v1/models/fraud/learn"
    stop_server "$otterd_pid"
}

# Rounds interleave the floor and otterd, so that a slow spell of the (shared) machine
# falls on both sides; the summary compares medians over the rounds.
for ((round = 1; round <= rounds; round++)); do
    echo "== round $round of $rounds" >&2
    measure_floor
    [[ -z "$otterd" ]] || measure_otterd
done

# One "summary" line per scenario (medians over its valid rounds; the ratio is of the
# medians) and, with otterd, the "targets" line; a table on stderr.
python3 - "$out" <<'PY'
import json
import statistics
import sys

path = sys.argv[1]
lines = [json.loads(line) for line in open(path)]
runs = {}
for d in lines:
    if d.get("kind") == "scenario":
        runs.setdefault(d["scenario"], [])
        if d.get("valid"):
            runs[d["scenario"]].append(d)
floor = runs.get("floor", [])
floor_rps = statistics.median(d["requests_per_s"] for d in floor) if floor else None
summary = []
for name, ds in runs.items():
    if not ds:
        summary.append({"bench": "http", "kind": "summary", "scenario": name, "rounds": 0,
                        "error": "no round without errors (see its scenario lines)"})
        continue
    rps = statistics.median(d["requests_per_s"] for d in ds)
    s = {"bench": "http", "kind": "summary", "scenario": name, "server": ds[0]["server"],
         "rounds": len(ds), "connections": ds[0]["connections"],
         "requests_per_s": round(rps, 2),
         "requests_per_s_range": [min(d["requests_per_s"] for d in ds),
                                  max(d["requests_per_s"] for d in ds)],
         "p50_ms": round(statistics.median(d["latency_ms"]["p50"] for d in ds), 3),
         "p99_ms": round(statistics.median(d["latency_ms"]["p99"] for d in ds), 3),
         "p99_ms_range": [min(d["latency_ms"]["p99"] for d in ds),
                          max(d["latency_ms"]["p99"] for d in ds)],
         "ratio_to_floor": round(rps / floor_rps, 3) if floor_rps else None}
    if "instances_per_request" in ds[0]:
        s["instances_per_s"] = round(rps * ds[0]["instances_per_request"], 1)
    summary.append(s)
out = open(path, "a")
for s in summary:
    out.write(json.dumps(s, separators=(",", ":")) + "\n")
by_name = {s["scenario"]: s for s in summary}
otterd = any(d.get("server") == "otterd" for d in lines if d.get("kind") == "scenario")
if otterd:
    p = by_name.get("predict")
    t = {"bench": "http", "kind": "targets"}
    if p is None or p["rounds"] == 0 or floor_rps is None:
        t["error"] = "no valid predict or floor figures"
    else:
        t.update({"connections": p["connections"],
                  "predict_ratio_to_floor": p["ratio_to_floor"], "ratio_target": 0.7,
                  "ratio_met": p["ratio_to_floor"] >= 0.7,
                  "predict_p99_ms": p["p99_ms"], "p99_target_ms": 2.0,
                  "p99_met": p["p99_ms"] < 2.0,
                  "floor_p99_ms": by_name["floor"]["p99_ms"]})
        t["met"] = t["ratio_met"] and t["p99_met"]
    out.write(json.dumps(t, separators=(",", ":")) + "\n")
out.close()

print("%-18s %6s %12s %9s %9s %8s" % ("scenario", "rounds", "requests/s", "p50 ms", "p99 ms",
                                      "x floor"), file=sys.stderr)
for s in summary:
    if s["rounds"] == 0:
        print("%-18s %6d  %s" % (s["scenario"], 0, s["error"]), file=sys.stderr)
        continue
    ratio = "%.3f" % s["ratio_to_floor"] if s["ratio_to_floor"] is not None else "-"
    print("%-18s %6d %12.0f %9.3f %9.3f %8s" % (s["scenario"], s["rounds"], s["requests_per_s"],
                                                 s["p50_ms"], s["p99_ms"], ratio),
          file=sys.stderr)
if otterd:
    print("targets: " + json.dumps(t), file=sys.stderr)
PY

if [[ -z "$otterd" ]]; then
    echo "http.sh: no otterd (give --otterd PATH, or build ./otterd): only the floor was measured" >&2
fi
echo "http.sh: results in $out" >&2
exit "$failed"
