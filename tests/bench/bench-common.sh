# Sourced by the sync benchmarks: builds the release binaries, the benchmark warehouse of ROWS customers, the
# sample mapping pointed at it, and starts / stops a sandbox org.
#
#   source tests/bench/bench-common.sh
#   bench_build                     # release d365sync-cli, d365sync-sandbox, the sample warehouse
#   db=$(bench_warehouse ROWS)      # build/release/bench/warehouse-ROWS-v2.db (built once per size)
#   bench_mapping "$db" OUT.json    # the sample mapping reading it
#   bench_sandbox_start DIR ARGS…   # sets $sandbox (pid) and $url; a request log in DIR/requests.jsonl
#   bench_sandbox_stop
#
# The warehouse is the sample's 10 columns (email, names, phone, job, city, company, money, choice label,
# DateOnly), repeated with unique e-mail addresses up to ROWS.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_preset=${bench_preset:-release} # the build the binaries and the sample warehouse come from
bin="$bench_root/build/$bench_preset/bin"

bench_build() {
  (cd "$bench_root" && cmake --preset release >/dev/null &&
     cmake --build --preset release -j"$(nproc)" --target d365sync-cli d365sync-sandbox sample_warehouse >/dev/null)
}

bench_warehouse() {
  local rows=$1
  local dir="$bench_root/build/$bench_preset/bench"
  local db="$dir/warehouse-$rows-v2.db"
  mkdir -p "$dir"
  if [[ ! -f "$db" ]]; then
    rm -f "$db.tmp"
    sqlite3 "$db.tmp" <<SQL
ATTACH '$bench_root/build/$bench_preset/sample/warehouse.db' AS sample;
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
  echo "$db"
}

# bench_mapping DB OUT [QUERY]: the sample mapping reading DB (and QUERY instead of the sample's, if given).
# bench_mapping WAREHOUSE OUT [QUERY [MODE]]: the sample mapping over WAREHOUSE, written to OUT.
bench_mapping() {
  python3 - "$bench_root/resources/sample/customers-to-contacts.json" "$1" "$2" "${3:-}" "${4:-}" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["source"]["path"] = sys.argv[2]
if sys.argv[4]:
    m["source"]["query"] = sys.argv[4]
if sys.argv[5]:
    m["mode"] = sys.argv[5]
json.dump(m, open(sys.argv[3], "w"), indent=2)
PY
}

bench_sandbox_start() {
  local dir=$1
  shift
  rm -f "$dir/requests.jsonl"
  "$bin/d365sync-sandbox" --port 0 --accept-any-token --quiet --request-log "$dir/requests.jsonl" "$@" \
    >"$dir/sandbox.out" 2>"$dir/sandbox.log" &
  sandbox=$!
  for _ in $(seq 1 200); do grep -q '^listening' "$dir/sandbox.out" && break; sleep 0.05; done
  url=$(sed -n '1s/^listening //p' "$dir/sandbox.out")
  rm -f "$dir/settings.ini"
  "$bin/d365sync-cli" --settings "$dir/settings.ini" profile add sandbox --url "$url" --sandbox 2>/dev/null
}

bench_sandbox_stop() {
  kill "$sandbox" 2>/dev/null || true
  wait "$sandbox" 2>/dev/null || true
}
