#!/usr/bin/env bash
# The test command (README "Quick start"): installs what is needed, builds, and runs the whole suite.
# Services the tests need are started here and stopped afterwards:
#   - a private D-Bus session with an unlocked gnome-keyring (keychain tests), in a throwaway HOME;
#   - a throwaway PostgreSQL server (installer/pg-test-server.sh: its own cluster in a temporary folder, a free
#     port below 32768) for the warehouse tests — QPSQL, and QODBC through the PostgreSQL ODBC driver — which
#     find it through D365SYNC_TEST_PG_HOST/PORT/SOCKET/DATABASE/USER/PASSWORD; stopped when this script ends,
#     whether the tests pass, fail or are interrupted;
#   - the sandbox org (d365sync-sandbox) is started by each integration / GUI test itself, on a free port;
#   - GUI tests run offscreen (QT_QPA_PLATFORM=offscreen), so no X server is needed.
# Usage: installer/test.sh [--preset asan|debug|release] [extra ctest arguments]
# The default preset is asan: the whole suite runs under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=asan
if [[ "${1:-}" == "--preset" ]]; then
  preset=$2
  shift 2
fi

start=$(date +%s)
"$root/installer/install-deps.sh"

cd "$root"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
built=$(date +%s)
echo "test.sh: build ($preset) took $((built - start)) s" >&2

scratch=$(mktemp -d /tmp/d365sync-test.XXXXXX)
# Outside $scratch: the server runs as the postgres user, which cannot enter root's 0700 folder.
pgdir=$(mktemp -d /tmp/d365sync-pg.XXXXXX)
trap '"$root/installer/pg-test-server.sh" stop "$pgdir"; rm -rf "$scratch" "$pgdir"' EXIT
trap 'exit 130' INT TERM
pg_started=$(date +%s)
pg_env=$("$root/installer/pg-test-server.sh" start "$pgdir")
while IFS= read -r assignment; do
  export "${assignment?}"
done <<<"$pg_env"
echo "test.sh: PostgreSQL on port $D365SYNC_TEST_PG_PORT ($(($(date +%s) - pg_started)) s to start)" >&2

# ctest runs inside its own session bus; HOME and XDG folders point into the scratch folder so the tests never
# touch the user's settings or keyring, and the keyring is created fresh and unlocked for every run.
set +e
dbus-run-session -- env HOME="$scratch/home" XDG_CONFIG_HOME="$scratch/home/.config" \
  XDG_DATA_HOME="$scratch/home/.local/share" XDG_CACHE_HOME="$scratch/home/.cache" \
  XDG_RUNTIME_DIR="$scratch/runtime" \
  bash -c '
    mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
    mkdir -m 0700 -p "$XDG_RUNTIME_DIR"
    printf %s "d365sync-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec ctest --preset "$0" --output-on-failure --timeout 900 "$@"
  ' "$preset" "$@" 2> >(grep -v "Failed to set fd limit" >&2)
status=$?
set -e
echo "test.sh: tests took $(( $(date +%s) - built )) s; total $(( $(date +%s) - start )) s" >&2
exit $status
