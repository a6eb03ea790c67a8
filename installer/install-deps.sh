#!/usr/bin/env bash
# Installs the Debian 12 packages D365 Sync needs to build, test and run.
# Idempotent: when every package is already present it returns without calling apt-get.
# Usage: installer/install-deps.sh [--build-only]
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config file
  libssl-dev  # d365sync-sandbox --tls makes its certificates with libcrypto
  qt6-base-dev qt6-networkauth-dev qt6-httpserver-dev qt6-websockets-dev qt6-svg-dev qt6-charts-dev qt6-tools-dev
  qtkeychain-qt6-dev libqt6sql6-sqlite libqt6sql6-psql libqt6sql6-odbc
  libsecret-1-0 libxkbcommon-dev desktop-file-utils sqlite3
  appstream man-db  # installer/check-install.sh: appstreamcli validate, man --warnings
  # Qt6ChartsConfig.cmake needs Qt6OpenGL's CMake files, which qt6-charts-dev 6.4.2-3 does not pull in.
  libqt6opengl6-dev
)
test_pkgs=(
  xvfb xauth x11-utils x11-apps imagemagick fonts-dejavu-core
  dbus dbus-x11 gnome-keyring libsecret-tools
  postgresql unixodbc odbc-postgresql curl ca-certificates wrk clang-format python3 time
  python3-msal python3-requests  # tests/integration/msal_sandbox.py: Microsoft's MSAL against the sandbox
)

pkgs=("${build_pkgs[@]}")
if [[ "${1:-}" != "--build-only" ]]; then
  pkgs+=("${test_pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: these packages are missing: ${missing[*]}" >&2
  echo "install-deps: run this script as root (or with sudo) to install them." >&2
  exit 1
fi

echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
