#!/usr/bin/env bash
# Benchmark of a first sync from a PostgreSQL warehouse into a fresh sandbox org (fast profile), release build:
# the client's peak RSS (target ≤ 200 MB for 1,000,000 rows) and rows/s.
#
#   tests/bench/postgres-sync.sh [ROWS] [runs] [postgresql|odbc]       (defaults: 1000000 1 postgresql)
#
# e.g. `tests/bench/postgres-sync.sh`, `tests/bench/postgres-sync.sh 1000000 2 odbc`
#
# A throwaway PostgreSQL server (installer/pg-test-server.sh) gets a customers table of ROWS rows: the sample's
# 10,000 customers (loaded from customers.csv) repeated with unique e-mail addresses, typed like a warehouse
# (integer, text, numeric(10,2), date). The warehouse connection is read through QPSQL (postgresql: libpq
# single-row mode) or through the PostgreSQL ODBC driver (odbc: psqlODBC's server-side cursor). The password
# comes from D365SYNC_WAREHOUSE_PASSWORD_BENCH. Per run it prints rows/s (the report's elapsed time, preflight
# included), wall time, the client's CPU time per row and its peak RSS (/usr/bin/time), and the server's time
# to load the table. The server is stopped on exit.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rows=${1:-1000000}
runs=${2:-1}
kind=${3:-postgresql}
if [[ "$kind" != "postgresql" && "$kind" != "odbc" ]]; then
  echo "usage: postgres-sync.sh [ROWS] [runs] [postgresql|odbc]" >&2
  exit 2
fi
cd "$root"
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target d365sync-cli d365sync-sandbox sample_warehouse >/dev/null
bin="$root/build/release/bin"

work=$(mktemp -d /tmp/d365sync-pgbench.XXXXXX)
pgdir=$(mktemp -d /tmp/d365sync-pgbench-server.XXXXXX)
trap 'kill "${sandbox:-}" 2>/dev/null || true; "$root/installer/pg-test-server.sh" stop "$pgdir"; rm -rf "$work" "$pgdir"' EXIT
trap 'exit 130' INT TERM
while IFS= read -r assignment; do
  export "${assignment?}"
done < <("$root/installer/pg-test-server.sh" start "$pgdir")
psql_admin=(psql -X -q -v ON_ERROR_STOP=1 -h "$D365SYNC_TEST_PG_SOCKET" -p "$D365SYNC_TEST_PG_PORT" -U postgres
            -d "$D365SYNC_TEST_PG_DATABASE")
load_start=$(date +%s)
"${psql_admin[@]}" <<SQL
CREATE TABLE sample (customer_id integer PRIMARY KEY, first_name text, last_name text, email text, phone text,
  company text, job_title text, city text, lifetime_value numeric(10,2), lead_source text, signup_date date);
\copy sample FROM '$root/build/release/sample/customers.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE customers (LIKE sample INCLUDING ALL);
INSERT INTO customers
  SELECT n * 10000 + s.customer_id, s.first_name, s.last_name, 'b' || n || '.' || s.email, s.phone, s.company,
         s.job_title, s.city, s.lifetime_value, s.lead_source, s.signup_date
  FROM generate_series(0, ($rows - 1) / 10000) AS n, sample AS s
  WHERE n * 10000 + s.customer_id <= $rows;
ALTER TABLE customers OWNER TO $D365SYNC_TEST_PG_USER;
ANALYZE customers;
SQL
load_seconds=$(($(date +%s) - load_start))
count=$("${psql_admin[@]}" -t -A -c "SELECT count(*) FROM customers")

settings="$work/settings.ini"
export D365SYNC_WAREHOUSE_PASSWORD_BENCH="$D365SYNC_TEST_PG_PASSWORD"
server=(--host "$D365SYNC_TEST_PG_HOST" --port "$D365SYNC_TEST_PG_PORT" --database "$D365SYNC_TEST_PG_DATABASE"
        --user "$D365SYNC_TEST_PG_USER")
if [[ "$kind" == "odbc" ]]; then
  "$bin/d365sync-cli" --settings "$settings" warehouse add bench --kind odbc --driver "PostgreSQL Unicode" \
    "${server[@]}" 2>/dev/null
else
  "$bin/d365sync-cli" --settings "$settings" warehouse add bench --kind postgresql "${server[@]}" 2>/dev/null
fi
python3 - "$root/resources/sample/customers-to-contacts.json" "$kind" "$work/mapping.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["source"] = {
    "type": sys.argv[2],
    "connection": "bench",
    "query": "SELECT customer_id, first_name, last_name, email, phone, company, job_title, city, lifetime_value, "
             "lead_source, signup_date FROM customers ORDER BY customer_id",
    "keyColumn": "customer_id",
}
json.dump(m, open(sys.argv[3], "w"), indent=2)
PY

echo "kind=$kind rows=$count (table loaded in $load_seconds s) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "run  rows/s  wall_s  cpu_us/row  rss_MB  writes"
for run in $(seq 1 "$runs"); do
  "$bin/d365sync-sandbox" --port 0 --accept-any-token --quiet >"$work/sandbox.out" 2>"$work/sandbox.log" &
  sandbox=$!
  for _ in $(seq 1 200); do grep -q '^listening' "$work/sandbox.out" && break; sleep 0.05; done
  url=$(sed -n '1s/^listening //p' "$work/sandbox.out")
  "$bin/d365sync-cli" --settings "$settings" profile add sandbox --url "$url" --sandbox 2>/dev/null
  /usr/bin/time -f '%U %S %M %e' -o "$work/time.txt" \
    "$bin/d365sync-cli" --settings "$settings" run "$work/mapping.json" --report "$work/report.json" \
    >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/out.txt" "$work/err.txt" >&2; }
  read -r user sys rss wall <"$work/time.txt"
  python3 - "$work/report.json" "$user" "$sys" "$rss" "$wall" "$run" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
user, sys_, rss, wall, run = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
written = report["created"] + report["updated"] + report["upserted"]
assert report["failed"] == 0 and written == report["total"], {k: v for k, v in report.items() if k != "failedRows"}
print(f"{run:>3}  {written * 1000 / report['elapsedMs']:6.0f}  {wall:6.1f}  {(user + sys_) * 1e6 / written:10.1f}  "
      f"{rss / 1024:6.1f}  {report['requests']:6d}")
PY
  kill "$sandbox"
  wait "$sandbox" 2>/dev/null || true
done
