#!/bin/sh
# docs/openapi.json describes exactly the server: every operation it lists is a route of
# otterd with the scope it states, every route is in it, and otterd serves the file
# byte for byte at /openapi.json.
set -eu
otterd="$top_builddir/otterd"
doc="$top_srcdir/docs/openapi.json"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
"$otterd" --routes > routes.out
python3 - "$doc" routes.out <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
ops = set()
for path, item in doc["paths"].items():
    for method, op in item.items():
        if method not in ("get", "put", "post", "delete"):
            continue
        scope = op.get("x-otter-scope", "none")
        if op.get("security") == [] and scope == "none":
            scope = "none"
        ops.add((method.upper(), re.sub(r"\{[^}]+\}", "*", path), scope))
routes = set(tuple(line.split()) for line in open(sys.argv[2]) if line.strip())
bad = False
for r in sorted(routes - ops):
    print("route not in the OpenAPI document (or with another scope):", *r); bad = True
for o in sorted(ops - routes):
    print("documented operation the server does not route (or with another scope):", *o); bad = True
print(f"{len(routes)} routes, {len(ops)} documented operations")
sys.exit(1 if bad else 0)
PY
rm -f routes.out
command -v curl >/dev/null || { echo "SKIP: no curl for the served copy"; exit 0; }
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$otterd" --data-dir "$dir/data" --listen "127.0.0.1:$port" --threads 1 --snapshot-every 0 \
    --openapi "$doc" 2>"$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/openapi.json" > "$dir/served.json"
cmp "$doc" "$dir/served.json"
echo "served /openapi.json is docs/openapi.json"
