#!/usr/bin/env bash
# Benchmark of a first sync (new contacts) by d365sync-cli into a fresh sandbox org, release build.
#
#   tests/bench/sync-bench.sh fast ROWS [runs] [-- run options…]
#   tests/bench/sync-bench.sh realistic ROWS [runs] [-- run options…]     (--profile realistic --time-scale 20)
#
# e.g. `tests/bench/sync-bench.sh fast 10000 3`, `tests/bench/sync-bench.sh fast 1000000 1`,
#      `tests/bench/sync-bench.sh realistic 100000 2`, `tests/bench/sync-bench.sh realistic 100000 1 -- --concurrency 1`
#
# The warehouse is the sample's 10 columns (email, names, phone, job, city, company, money, choice label,
# DateOnly), repeated with unique e-mail addresses up to ROWS, built once per size under build/release/bench/.
# Per run it prints: rows/s (the report's elapsed time, preflight included), wall time, the client's CPU time
# per row (user + system of the whole d365sync-cli process, start-up included) and peak RSS, write requests
# and their share of the rows, the mean wall time of a write request on the client's side against the
# sandbox's own handling time of the same requests (from its request log: the difference is what the
# client's sockets add), and for the realistic profile the share of the per-user ceiling:
#
#   ceiling rows/s = (time limit ÷ window) × rows per request ÷ (per-request cost + rows × per-record cost)
#                    × time scale
#   UpsertMultiple of 1,000 rows: 20 ms + 1,000 × 6.5 ms = 6.52 s of execution time; 1,200 s per 300 s window
#   allows 4 s of execution per second, so ≈ 613 rows/s of service time, ≈ 12,270 rows/s at ×20.
#
# The numbers come from the sandbox's cost model (tests/sandbox/README.md, "Service protection and execution
# cost"), read from its /_sandbox/limits endpoint, not hard-coded here.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
profile=${1:?usage: sync-bench.sh fast|realistic ROWS [runs] [-- run options]}
rows=${2:?usage: sync-bench.sh fast|realistic ROWS [runs] [-- run options]}
runs=${3:-1}
shift $(( $# >= 3 ? 3 : $# ))
[[ "${1:-}" == "--" ]] && shift
run_options=("$@")
cd "$root"
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target d365sync-cli d365sync-sandbox sample_warehouse >/dev/null

bin="$root/build/release/bin"
bench="$root/build/release/bench"
mkdir -p "$bench"
db="$bench/warehouse-$rows-v2.db"
if [[ ! -f "$db" ]]; then
  rm -f "$db.tmp"
  sqlite3 "$db.tmp" <<SQL
ATTACH '$root/build/release/sample/warehouse.db' AS sample;
-- The sample's table (customer_id INTEGER PRIMARY KEY, so the mapping's ORDER BY costs no sort), repeated.
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT, phone TEXT,
  company TEXT, job_title TEXT, city TEXT, lifetime_value NUMERIC, lead_source TEXT, signup_date TEXT);
INSERT INTO customers (customer_id, first_name, last_name, email, phone, company, job_title, city, lifetime_value,
                   lead_source, signup_date)
  WITH RECURSIVE copies(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM copies WHERE n < ($rows - 1) / 10000)
  SELECT n * 10000 + c.customer_id, c.first_name, c.last_name, 'b' || n || '.' || c.email, c.phone, c.company,
         c.job_title, c.city, c.lifetime_value, c.lead_source, c.signup_date
  FROM copies, sample.customers AS c
  WHERE n * 10000 + c.customer_id <= $rows;

SQL
  mv "$db.tmp" "$db"
fi

work=$(mktemp -d /tmp/d365sync-bench.XXXXXX)
trap 'kill "${sandbox:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$root/resources/sample/customers-to-contacts.json" "$db" "$work/mapping.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["source"]["path"] = sys.argv[2]
json.dump(m, open(sys.argv[3], "w"), indent=2)
PY

sandbox_args=(--port 0 --accept-any-token --quiet --request-log "$work/requests.jsonl")
if [[ "$profile" == "realistic" ]]; then
  sandbox_args+=(--profile realistic --time-scale 20)
fi

echo "profile=$profile rows=$rows options=${run_options[*]:-}"
echo "run  rows/s  wall_s  cpu_us/row  rss_MB  writes  writes/rows  client_ms/req  sandbox_ms/req  ceiling_rows/s  share"
for run in $(seq 1 "$runs"); do
  rm -f "$work/requests.jsonl"
  "$bin/d365sync-sandbox" "${sandbox_args[@]}" >"$work/sandbox.out" 2>"$work/sandbox.log" &
  sandbox=$!
  for _ in $(seq 1 200); do grep -q '^listening' "$work/sandbox.out" && break; sleep 0.05; done
  url=$(sed -n '1s/^listening //p' "$work/sandbox.out")
  curl -s "$url/_sandbox/limits" >"$work/limits.json"
  "$bin/d365sync-cli" --settings "$work/settings.ini" profile add sandbox --url "$url" --sandbox 2>/dev/null
  /usr/bin/time -f '%U %S %M %e' -o "$work/time.txt" \
    "$bin/d365sync-cli" --settings "$work/settings.ini" run "$work/mapping.json" --report "$work/report.json" \
    "${run_options[@]}" >"$work/out.txt" 2>"$work/err.txt" || true
  read -r user sys rss wall <"$work/time.txt"
  python3 - "$work/report.json" "$work/requests.jsonl" "$work/limits.json" "$user" "$sys" "$rss" "$wall" "$run" \
    "$profile" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
user, sys_, rss, wall, run, profile = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]), sys.argv[8], sys.argv[9]
written = report["created"] + report["updated"] + report["upserted"]
assert report["failed"] == 0 and written == report["total"], {k: v for k, v in report.items() if k != "failedRows"}
writes = [json.loads(l) for l in open(sys.argv[2]) if '"POST"' in l and ("Multiple" in l or "$batch" in l)]
handling = sum(w["durationMs"] for w in writes) / max(1, len(writes))
client = report["wireMilliseconds"] / max(1, report["requests"])
limits = json.load(open(sys.argv[3]))
ceiling, share = "-", "-"
if profile == "realistic":
    # Read the cost model and limits the sandbox runs with (seconds of service time).
    per_request = limits["requestOverheadMs"] / 1000.0
    per_record = limits["bulkTargetMs"] / 1000.0
    scale = limits["timeScale"]
    per_second = limits["executionSeconds"] / limits["windowSeconds"]
    batch = report["batchSize"]
    ceiling_value = per_second * batch / (per_request + batch * per_record) * scale
    rate = written * 1000.0 / report["elapsedMs"]
    ceiling, share = f"{ceiling_value:.0f}", f"{100 * rate / ceiling_value:.0f} %"
print(f"{run:>3}  {written * 1000 / report['elapsedMs']:6.0f}  {wall:6.1f}  {(user + sys_) * 1e6 / written:10.1f}  "
      f"{rss / 1024:6.1f}  {report['requests']:6d}  {100.0 * report['requests'] / written:10.2f}%  "
      f"{client:13.1f}  {handling:14.1f}  {ceiling:>14}  {share}")
PY
  kill "$sandbox"; wait "$sandbox" 2>/dev/null || true
  rm -f "$work/settings.ini"
done
