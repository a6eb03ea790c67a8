#!/usr/bin/env bash
# Benchmark: the sample warehouse (10,000 customers → contacts) synced by d365sync-cli into a fresh sandbox org
# (fast profile: no modelled service costs), release build. Prints rows/s, wall time, client CPU time per row
# and the client's peak RSS and write requests. Run: tests/bench/sample-sync.sh [runs] [run options…]
# (builds the release preset first); e.g. `tests/bench/sample-sync.sh 3 --batch-size 1` for one request per row.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=${1:-3}
shift || true
run_options=("$@")
cd "$root"
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" >/dev/null

bin="$root/build/release/bin"
work=$(mktemp -d /tmp/d365sync-bench.XXXXXX)
trap 'kill "${sandbox:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$root/resources/sample/customers-to-contacts.json" "$root/build/release/sample/warehouse.db" \
  "$work/mapping.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["source"]["path"] = sys.argv[2]
json.dump(m, open(sys.argv[3], "w"), indent=2)
PY

echo "run  rows/s  wall_s  client_cpu_us_per_row  client_peak_rss_MB  write_requests"
for run in $(seq 1 "$runs"); do
  "$bin/d365sync-sandbox" --port 0 --accept-any-token >"$work/sandbox.out" 2>"$work/sandbox.log" &
  sandbox=$!
  for _ in $(seq 1 100); do grep -q '^listening' "$work/sandbox.out" && break; sleep 0.05; done
  url=$(sed -n '1s/^listening //p' "$work/sandbox.out")
  "$bin/d365sync-cli" --settings "$work/settings.ini" profile add sandbox --url "$url" --sandbox 2>/dev/null
  /usr/bin/time -f '%U %S %M %e' -o "$work/time.txt" \
    "$bin/d365sync-cli" --settings "$work/settings.ini" run "$work/mapping.json" --report "$work/report.json" "${run_options[@]}" \
    >"$work/out.txt" 2>"$work/err.txt"
  read -r user sys rss wall <"$work/time.txt"
  python3 - "$work/report.json" "$user" "$sys" "$rss" "$wall" "$run" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
user, sys_, rss, wall, run = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
rows = r["created"] + r["updated"]
assert r["failed"] == 0 and rows == r["total"], r
print(f"{run:>3}  {rows * 1000 / r['elapsedMs']:6.0f}  {wall:6.2f}  {(user + sys_) * 1e6 / rows:21.1f}  {rss / 1024:18.1f}  {r['requests']:14d}")
PY
  kill "$sandbox"; wait "$sandbox" 2>/dev/null || true
  rm -f "$work/settings.ini"
done
