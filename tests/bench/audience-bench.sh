#!/usr/bin/env bash
# Benchmark of audiences (issue 13): MEMBERS contacts added to a new static marketing list, then a mirror in
# which 1 % of the audience changed (the first 0.5 % of the members leave, as many new ones join), then the same
# mirror again.
#
#   tests/bench/audience-bench.sh [MEMBERS]        default 10000
#   BENCH_PRESET=debug tests/bench/audience-bench.sh  use the debug build instead of building the release one
#
# The member records (MEMBERS + 0.5 % contacts, the sample's customers repeated with unique e-mails) are
# synced first with the sample record mapping. Per step it prints the wall time of the whole d365sync-cli
# process and its peak RSS, the write and read requests from its report, the write requests the sandbox saw (its request log:
# AddListMembersList, $batch of RemoveMemberList, the list's creation), and the counts; the script fails when
# the add needs more than 1 % as many write requests as members, or a mirror writes anything but the changes.
set -euo pipefail

bench_preset=${BENCH_PRESET:-release}
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
members=${1:-10000}
if [[ "$bench_preset" == "release" ]]; then
  bench_build
fi
[[ -x "$bin/d365sync-cli" ]] || { echo "build the $bench_preset preset first ($bin)" >&2; exit 2; }

work=$(mktemp -d /tmp/d365sync-audience-bench.XXXXXX)
trap 'bench_sandbox_stop; [[ -n "${KEEP:-}" ]] || rm -rf "$work"' EXIT
shift_rows=$((members / 200)) # 0.5 % leave, 0.5 % join: 1 % of the audience changes
total=$((members + shift_rows))
db=$(bench_warehouse "$total")

bench_mapping "$db" "$work/records.json"
audience() { # audience OUT MODE WHERE
  python3 - "$bench_root/resources/sample/customers-to-newsletter.json" "$db" "$1" "$2" "$3" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["source"]["path"] = sys.argv[2]
m["source"]["query"] = f"SELECT customer_id, email FROM customers WHERE {sys.argv[5]} ORDER BY customer_id"
m["target"]["list"] = {"name": "Bench audience", "createIfMissing": True}
m["mode"] = sys.argv[4]
json.dump(m, open(sys.argv[3], "w"), indent=2)
PY
}
audience "$work/add.json" add "customer_id <= $members"
audience "$work/mirror.json" mirror "customer_id > $shift_rows"
bench_sandbox_start "$work"

"$bin/d365sync-cli" --settings "$work/settings.ini" run "$work/records.json" --state none >/dev/null 2>"$work/err.txt" ||
  { cat "$work/err.txt" >&2; exit 1; }
echo "members=$members (records: $total contacts; preset $bench_preset)"
echo "step            wall_s  writes  sandbox_writes  reads  added  already  removed  failed  write_share  rss_MB"
log_offset=$(wc -l <"$work/requests.jsonl")
step() {
  local name=$1 mapping=$2 max_writes=$3 expect_changes=$4
  /usr/bin/time -f '%e %M' -o "$work/time.txt" \
    "$bin/d365sync-cli" --settings "$work/settings.ini" run "$mapping" --report "$work/report.json" \
      --state "$work/state-$(basename "$mapping" .json).db" \
      >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
  read -r wall rss < <(tail -1 "$work/time.txt")
  # Writes the sandbox saw: every non-GET request except a $batch that only reads (the members' lookup).
  local lines=$(wc -l <"$work/requests.jsonl")
  sandbox_writes=$(tail -n +$((log_offset + 1)) "$work/requests.jsonl" | python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    e = json.loads(line)
    if e["method"] != "GET" and not e["path"].endswith("$batch"):
        n += 1
print(n)')
  log_offset=$lines
  python3 - "$work/report.json" "$name" "$wall" "$sandbox_writes" "$members" "$max_writes" "$expect_changes" "$rss" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
name, wall, sandbox_writes, members, max_writes, expect = sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
rss = int(sys.argv[8]) / 1024
a = r["audience"]
changes = a["added"] + a["removed"]
print(f"{name:<14}  {wall:6.1f}  {r['requests']:6d}  {sandbox_writes:14d}  {r['readRequests']:5d}  {a['added']:5d}  "
      f"{a['alreadyMember']:7d}  {a['removed']:7d}  {r['failed']:6d}  {100.0 * r['requests'] / members:9.2f} %  {rss:6.1f}")
assert r["failed"] == 0 and r["outcomeCheck"]["rowsWithoutOutcome"] == 0, r.get("error")
assert changes == expect, f"{name}: {changes} members changed, expected {expect}"
assert r["requests"] <= max_writes, f"{name}: {r['requests']} write requests, at most {max_writes} allowed"
PY
}
# The add: 1 % of the members is the ceiling for write requests (the list's creation included).
step "add" "$work/add.json" $((members / 100)) "$members"
# 1 % changed: the changed members only — one AddListMembersList and one $batch of removals per 1,000.
step "mirror 1 %" "$work/mirror.json" $(((shift_rows + 999) / 1000 * 2)) $((2 * shift_rows))
step "mirror again" "$work/mirror.json" 0 0
