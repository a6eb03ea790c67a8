#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and the benchmarks (toolchain.md §7): a fresh cluster in a
# folder of its own, listening on 127.0.0.1 and on a socket in that folder, on a free port below 32768 (the
# ephemeral range starts there). The packaged cluster (`pg_lsclusters`, port 5432) is never touched.
#
#   installer/pg-test-server.sh start DIR   # prints the connection as shell assignments (D365SYNC_TEST_PG_*)
#   installer/pg-test-server.sh stop DIR    # stops the server; the caller removes DIR
#
# The cluster has a superuser "postgres" (trust over the socket) and a role "d365" with a password over TCP
# (scram-sha-256), owner of the database "warehouse": the tests sign in like a user of a real warehouse.
# initdb and postgres refuse to run as root; as root they run as the postgres user through runuser.
set -euo pipefail

command=${1:-}
dir=${2:-}
if [[ -z "$command" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$pgbin" || ! -x "$pgbin/initdb" ]]; then
  echo "pg-test-server: PostgreSQL is not installed (apt install postgresql)" >&2
  exit 1
fi

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$command" in
start)
  mkdir -p "$dir/sock"
  if [[ $(id -u) -eq 0 ]]; then
    chown -R postgres:postgres "$dir"
  fi
  superuser_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  user_password="d365-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
  as_owner sh -c "umask 077; printf '%s\n' '$superuser_password' > '$dir/pw'"
  as_owner "$pgbin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/pw" >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  # A free port: the first of a few random candidates that nothing listens on and the server could bind.
  started=""
  for attempt in $(seq 1 20); do
    port=$((15432 + RANDOM % 16000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      continue # in use
    fi
    if as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null 2>&1; then
      started=$port
      break
    fi
  done
  if [[ -z "$started" ]]; then
    echo "pg-test-server: the server did not start; its log:" >&2
    cat "$dir/server.log" >&2 || true
    exit 1
  fi
  psql -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$started" -U postgres -d postgres \
    -c "CREATE ROLE d365 LOGIN PASSWORD '$user_password'" \
    -c "CREATE DATABASE warehouse OWNER d365" >/dev/null
  echo "D365SYNC_TEST_PG_HOST=127.0.0.1"
  echo "D365SYNC_TEST_PG_PORT=$started"
  echo "D365SYNC_TEST_PG_SOCKET=$dir/sock"
  echo "D365SYNC_TEST_PG_DATABASE=warehouse"
  echo "D365SYNC_TEST_PG_USER=d365"
  echo "D365SYNC_TEST_PG_PASSWORD=$user_password"
  ;;
stop)
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
