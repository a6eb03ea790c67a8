#!/usr/bin/env bash
# Benchmark of the sync state (issue 12): a first run of ROWS rows into a fresh sandbox org, the same run again
# with nothing changed, again with 1 % of the rows changed, and a dry run of the next change (those rows back,
# another 1 % changed: 2 % differ from what the org holds).
#
#   tests/bench/state-bench.sh ROWS [update]     e.g. tests/bench/state-bench.sh 1000000
#
# With "update": the records are first created by an upsert run without state, then every step runs in update
# mode, where a changed row sends only its changed columns (the state keeps a hash per column: the state
# file's size is printed at the end).
#
# Release build, fast sandbox profile, the default writer (UpsertMultiple, 1,000 rows per request). Per step it
# prints the wall time of the whole d365sync-cli process (start-up, preflight, reading and hashing every row
# included), its CPU time and peak RSS, the write and read requests from the report, and the counts; the
# script fails when a step wrote other rows than it should (the unchanged re-run: none; the 1 % run: exactly the
# changed rows).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
rows=${1:?usage: state-bench.sh ROWS [update]}
mode=${2:-}
[[ -z "$mode" || "$mode" == update ]] || { echo "state-bench.sh: the mode is 'update' or nothing" >&2; exit 2; }
bench_build
db=$(bench_warehouse "$rows")

work=$(mktemp -d /tmp/d365sync-state-bench.XXXXXX)
trap 'bench_sandbox_stop; [[ -n "${KEEP:-}" ]] || rm -rf "$work"' EXIT
sample_query="SELECT customer_id, first_name, last_name, email, phone, company, job_title, city, lifetime_value, lead_source, signup_date FROM customers ORDER BY customer_id"
# n % of the job titles changed (rows whose customer_id is a multiple of 100, shifted by `shift`).
changed_query() {
  local expression="CASE WHEN customer_id % 100 = $1 THEN coalesce(job_title, '') || ' (changed)' ELSE job_title END AS job_title,"
  echo "${sample_query/job_title,/$expression}"
}
bench_mapping "$db" "$work/first.json" "" "$mode"
bench_mapping "$db" "$work/changed.json" "$(changed_query 0)" "$mode"
bench_mapping "$db" "$work/changed2.json" "$(changed_query 1)" "$mode"
bench_sandbox_start "$work"
if [[ "$mode" == update ]]; then
  bench_mapping "$db" "$work/create.json"
  "$bin/d365sync-cli" --settings "$work/settings.ini" run "$work/create.json" --state none >/dev/null 2>&1
fi

echo "rows=$rows (state file $work/state.db)"
echo "step                wall_s  cpu_s  rss_MB  writes  reads  created  updated  upserted  unchanged  failed"
step() {
  local name=$1 mapping=$2 expect_written=$3
  shift 3
  /usr/bin/time -f '%U %S %M %e' -o "$work/time.txt" \
    "$bin/d365sync-cli" --settings "$work/settings.ini" run "$mapping" --state "$work/state.db" \
      --report "$work/report.json" "$@" >"$work/out.txt" 2>"$work/err.txt" || true
  read -r user sys rss wall < <(tail -1 "$work/time.txt") # GNU time says "Command exited …" first on exit 1
  python3 - "$work/report.json" "$name" "$user" "$sys" "$rss" "$wall" "$expect_written" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
name, user, sys_, rss, wall, expect = sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
written = r["created"] + r["updated"] + r["upserted"]
print(f"{name:<18}  {wall:6.1f}  {user + sys_:5.1f}  {rss / 1024:6.1f}  {r['requests']:6d}  {r['readRequests']:5d}  "
      f"{r['created']:7d}  {r['updated']:7d}  {r['upserted']:8d}  {r['unchanged']:9d}  {r['failed']:6d}")
assert r["failed"] == 0 and r["outcomeCheck"]["rowsWithoutOutcome"] == 0, (r.get("error"), r.get("failedRows", [])[:3])
assert written == expect, f"{name}: {written} rows written or previewed, expected {expect}"
PY
}
step "first run" "$work/first.json" "$rows"
step "unchanged re-run" "$work/first.json" 0
step "1 % changed" "$work/changed.json" $((rows / 100))
# The next change: those rows back as they were, another 1 % changed; previewed, not written.
step "dry run, 2 % differ" "$work/changed2.json" $((rows / 50)) --dry-run
echo "state file: $(du -cm "$work"/state.db* | tail -1 | cut -f1) MB (with its WAL)"
