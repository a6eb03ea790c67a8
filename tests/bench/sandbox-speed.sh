#!/usr/bin/env bash
# Benchmark (not a test): how fast d365sync-sandbox itself is with the fast profile, so it is never what limits a
# client benchmark. Issue 3 targets: >= 20,000 single-row GETs/s (wrk, keep-alive) and an UpsertMultiple of
# 1,000 contacts by alternate key in <= 25 ms.
# Run: tests/bench/sandbox-speed.sh [BIN_DIR]   (default build/release/bin; build it first, e.g.
#      cmake --preset release && cmake --build --preset release --target d365sync-sandbox)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${1:-$root/build/release/bin}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
work=$(mktemp -d /tmp/d365sync-sandbox-speed.XXXXXX)
trap 'kill "${sandbox:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin/d365sync-sandbox" --port 0 --accept-any-token --quiet >"$work/out" 2>"$work/log" &
sandbox=$!
for _ in $(seq 1 100); do grep -q '^listening' "$work/out" && break; sleep 0.05; done
url=$(sed -n '1s/^listening //p' "$work/out")/api/data/v9.2
auth='Authorization: Bearer bench'

id=5b0c1d2e-0000-4000-8000-0000000be001
curl -sf -o /dev/null -X POST -H "$auth" -H 'Content-Type: application/json' \
  -d "{\"contactid\":\"$id\",\"firstname\":\"Bench\",\"lastname\":\"Row\"}" "$url/contacts"
echo "== single-row GET (wrk, 2 threads, 16 connections, 5 s)"
wrk -t2 -c16 -d5s -H "$auth" "$url/contacts($id)?\$select=fullname" | grep -E 'Requests/sec|Latency'

python3 - "$work" <<'PY'
import json, sys
for run in range(6):
    targets = [{"@odata.type": "Microsoft.Dynamics.CRM.contact",
                "@odata.id": f"contacts(emailaddress1='bench{i}@example.com')",
                "firstname": f"Bench{i}", "lastname": f"Run{run}"} for i in range(1000)]
    json.dump({"Targets": targets}, open(f"{sys.argv[1]}/upsert{run}.json", "w"))
PY
echo "== UpsertMultiple of 1,000 contacts by alternate key (run 0 creates, runs 1-5 update); seconds per request"
for run in 0 1 2 3 4 5; do
  curl -sf -o /dev/null -w "run $run: %{time_total} s (status %{http_code})\n" -X POST -H "$auth" \
    -H 'Content-Type: application/json' --data-binary "@$work/upsert$run.json" \
    "$url/contacts/Microsoft.Dynamics.CRM.UpsertMultiple"
done
