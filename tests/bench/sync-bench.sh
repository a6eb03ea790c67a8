#!/usr/bin/env bash
# Benchmark of a first sync (new contacts) by d365sync-cli into a fresh sandbox org, release build.
#
#   tests/bench/sync-bench.sh fast ROWS [runs] [-- run options…]
#   tests/bench/sync-bench.sh realistic ROWS [runs] [-- run options…]     (--profile realistic --time-scale 20)
#
# e.g. `tests/bench/sync-bench.sh fast 10000 3`, `tests/bench/sync-bench.sh fast 1000000 1`,
#      `tests/bench/sync-bench.sh realistic 100000 2`, `tests/bench/sync-bench.sh realistic 100000 1 -- --concurrency 1`
#
# The warehouse: tests/bench/bench-common.sh. Every run starts a fresh org and a fresh sync state (a first run
# writes every row and records it).
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

source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
profile=${1:?usage: sync-bench.sh fast|realistic ROWS [runs] [-- run options]}
rows=${2:?usage: sync-bench.sh fast|realistic ROWS [runs] [-- run options]}
runs=${3:-1}
shift $(( $# >= 3 ? 3 : $# ))
[[ "${1:-}" == "--" ]] && shift
run_options=("$@")
bench_build
db=$(bench_warehouse "$rows")

work=$(mktemp -d /tmp/d365sync-bench.XXXXXX)
trap 'bench_sandbox_stop; rm -rf "$work"' EXIT
bench_mapping "$db" "$work/mapping.json"

sandbox_args=()
if [[ "$profile" == "realistic" ]]; then
  sandbox_args+=(--profile realistic --time-scale 20)
fi

echo "profile=$profile rows=$rows options=${run_options[*]:-}"
echo "run  rows/s  wall_s  cpu_us/row  rss_MB  writes  writes/rows  client_ms/req  sandbox_ms/req  ceiling_rows/s  share"
for run in $(seq 1 "$runs"); do
  bench_sandbox_start "$work" "${sandbox_args[@]}"
  curl -s "$url/_sandbox/limits" >"$work/limits.json"
  rm -f "$work"/state.db*
  /usr/bin/time -f '%U %S %M %e' -o "$work/time.txt" \
    "$bin/d365sync-cli" --settings "$work/settings.ini" run "$work/mapping.json" --report "$work/report.json" \
    --state "$work/state.db" "${run_options[@]}" >"$work/out.txt" 2>"$work/err.txt" || true
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
  bench_sandbox_stop
done
