#!/usr/bin/env bash
# The demo command (README "Quick start"): installs what is needed, builds, starts the sandbox org with its
# sample data on a free loopback port, and opens D365 Sync connected to it with the sample warehouse
# (10,000 customers) and the sample mapping loaded. Press "Sync now". Closing the window stops the sandbox.
# Usage: installer/demo.sh [extra d365sync arguments, e.g. --sync-on-start]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/installer/install-deps.sh"

cd "$root"
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"

if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  echo "demo.sh: no display found (DISPLAY is not set). On a machine without a desktop, run the demo in a" >&2
  echo "         virtual X server:  xvfb-run -a -s '-screen 0 1280x800x24' installer/demo.sh" >&2
  exit 1
fi

bin="$root/build/release/bin"
demo="$root/build/release/demo"
mkdir -p "$demo"
settings="$demo/settings.ini"

# The org's rows live in $demo/sandbox.db, so synced rows survive a demo restart (a second "Sync now"
# updates them). Delete that file (with sandbox.db-wal) to start from an empty org.
"$bin/d365sync-sandbox" --port 0 --accept-any-token --data "$demo/sandbox.db" >"$demo/sandbox.out" \
  2>"$demo/sandbox.log" &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null || true; wait "$sandbox" 2>/dev/null || true' EXIT

url=""
for _ in $(seq 1 100); do
  url=$(sed -n '1s/^listening //p' "$demo/sandbox.out")
  [[ -n "$url" ]] && break
  if ! kill -0 "$sandbox" 2>/dev/null; then
    echo "demo.sh: the sandbox did not start; its log:" >&2
    cat "$demo/sandbox.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$url" ]]; then
  echo "demo.sh: the sandbox did not report its address within 10 s (log: $demo/sandbox.log)" >&2
  exit 1
fi
echo "demo.sh: sandbox org listening on $url" >&2

"$bin/d365sync-cli" --settings "$settings" profile add sandbox --url "$url" --sandbox
"$bin/d365sync" --settings "$settings" --mapping "$root/build/release/sample/customers-to-contacts.json" "$@"
