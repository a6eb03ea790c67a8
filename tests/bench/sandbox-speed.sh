#!/usr/bin/env bash
# Benchmark (not a test): how fast d365sync-sandbox itself is with the fast profile, so it is never what limits a
# client benchmark. Issue 3 targets: >= 20,000 single-row GETs/s (wrk, keep-alive) and an UpsertMultiple of
# 1,000 contacts by alternate key in <= 25 ms.
# Run: tests/bench/sandbox-speed.sh [--data] [BIN_DIR]   (default build/release/bin; build it first, e.g.
#      cmake --preset release && cmake --build --preset release --target d365sync-sandbox)
#      --data: the sandbox keeps its rows in a SQLite file (--data) and the script also reports the flushes.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data_args=()
if [[ "${1:-}" == "--data" ]]; then
  data=1
  shift
fi
bin=${1:-$root/build/release/bin}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
work=$(mktemp -d /tmp/d365sync-sandbox-speed.XXXXXX)
trap 'kill "${sandbox:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
[[ -n "${data:-}" ]] && data_args=(--data "$work/org.db")

# With --data the persistence debug lines ("flushed N rows in X ms") are kept in the log.
QT_LOGGING_RULES="d365.sandbox.persistence.debug=true" \
  "$bin/d365sync-sandbox" --port 0 --accept-any-token --quiet "${data_args[@]}" >"$work/out" 2>"$work/log" &
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
# Runs 0-4 create 1,000 new contacts each; runs 5-9 update the 1,000 of run 0.
for run in range(10):
    batch = run if run < 5 else 0
    targets = [{"@odata.type": "Microsoft.Dynamics.CRM.contact",
                "@odata.id": f"contacts(emailaddress1='bench{batch}x{i}@example.com')",
                "firstname": f"Bench{i}", "lastname": f"Run{run}"} for i in range(1000)]
    json.dump({"Targets": targets}, open(f"{sys.argv[1]}/upsert{run}.json", "w"))
PY
echo "== UpsertMultiple of 1,000 contacts by alternate key (runs 0-4 create, runs 5-9 update); seconds per request"
# Wall time includes waiting for a core on a busy machine; the sandbox's own CPU time (utime+stime from
# /proc, 10 ms ticks) and page faults do not.
cpu() { awk '{print $14 + $15, $10}' "/proc/$sandbox/stat"; }
for run in 0 1 2 3 4 5 6 7 8 9; do
  read -r t0 f0 < <(cpu)
  wall=$(curl -sf -o /dev/null -w "%{time_total} s (status %{http_code})" -X POST -H "$auth" \
    -H 'Content-Type: application/json' --data-binary "@$work/upsert$run.json" \
    "$url/contacts/Microsoft.Dynamics.CRM.UpsertMultiple")
  read -r t1 f1 < <(cpu)
  echo "run $run: $wall; sandbox CPU $(( (t1 - t0) * 10 )) ms, $(( f1 - f0 )) page faults"
done
if [[ -n "${data:-}" ]]; then
  sleep 0.3
  echo "== SQLite flushes (one transaction per group of writes; each write is answered once its flush committed)"
  grep -o 'flushed [0-9]* rows in .*CPU)' "$work/log" || echo "(none logged)"
fi
