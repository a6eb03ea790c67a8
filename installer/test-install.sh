#!/usr/bin/env bash
# The tested install (issue 15; README "Install"): proves that the .deb packages from installer/package.sh
# install, run and uninstall on a clean Debian 12, with nothing but their declared dependencies.
#
#   1. a clean root: debootstrap --variant=minbase bookworm (with the bookworm-updates and security suites)
#   2. the test's own tools, as a desktop has them (xvfb, xauth, x11-apps, x11-utils, gio, shared-mime-info,
#      desktop-file-utils): not ours
#   3. ONLY our .debs: apt-get install --no-install-recommends ./*.deb (apt resolves the Depends)
#   4. d365sync-cli --version
#   5. as an ordinary user: d365sync-sandbox --port 0 --accept-any-token, `profile add sandbox --sandbox`,
#      `run` of the installed sample mapping (/usr/share/d365sync/sample/): the summary says 10,000 upserted and
#      0 failed, exit code 0
#   6. the "double-click": `gio open` of the sample *.d365map.json under Xvfb (content type from our MIME glob,
#      application from our .desktop file) must start d365sync with the mapping; a screenshot is taken
#   7. apt-get purge of our packages + autoremove: the package list equals the one before step 3, and no
#      file of ours is left
#
# Each step is timed; the package sizes are printed. Runs in 2-3 minutes (most of it downloading packages).
# Usage (as root, after installer/package.sh):
#   installer/test-install.sh [--debs DIR] [--keep] [--mirror URL]
# Output: build/test-install/ (log.txt, screenshot.png, times.txt). --keep leaves the root in that folder.
set -Eeuo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
debs_dir="$root/build/packages"
mirror=http://deb.debian.org/debian
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --debs) debs_dir=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "test-install: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

fail() { echo "test-install: FAILED: $*" >&2; exit 1; }
trap 'echo "test-install: FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR
[[ $(id -u) -eq 0 ]] || fail "run as root (debootstrap and chroot need it)"
shopt -s nullglob
debs=("$debs_dir"/*.deb)
shopt -u nullglob
[[ ${#debs[@]} -gt 0 ]] || fail "no .deb in $debs_dir: run installer/package.sh first"

out="$root/build/test-install"
rm -rf "$out"
mkdir -p "$out"
target="$out/root"
times="$out/times.txt"
: >"$times"
exec > >(tee "$out/log.txt") 2>&1

# Timed steps: "step NAME command..." prints and records the wall time of each.
step() {
  local name=$1
  shift
  local t0 t1
  t0=$(date +%s.%N)
  echo "==> $name"
  "$@"
  t1=$(date +%s.%N)
  awk -v n="$name" -v a="$t0" -v b="$t1" 'BEGIN { printf "%-52s %6.1f s\n", n, b - a }' | tee -a "$times"
}

# On this machine: debootstrap for the root, ImageMagick to turn the X dump into a PNG.
if ! command -v debootstrap >/dev/null || [[ ! -x /usr/bin/convert ]]; then
  echo "test-install: installing debootstrap and imagemagick on this machine" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap imagemagick >/dev/null
fi

# Everything mounted or started inside the root is undone on any exit: processes still running in the root
# (found by their root directory, ended by PID), then the mounts, then the root itself (unless --keep).
cleanup() {
  local pid
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    if [[ "$(readlink "/proc/$pid/root" 2>/dev/null)" == "$target" ]]; then
      kill "$pid" 2>/dev/null || true
    fi
  done
  sleep 0.2
  for m in dev/pts dev proc sys; do
    mountpoint -q "$target/$m" 2>/dev/null && umount -l "$target/$m"
  done
  if [[ $keep -eq 0 ]]; then
    rm -rf "$target"
  fi
}
trap cleanup EXIT

# Commands inside the root: a clean environment, as root or (in_user) as the ordinary user "admin".
in_root() {
  chroot "$target" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}
in_user() {
  chroot --userspec=admin:admin "$target" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/home/admin LANG=C.UTF-8 \
    XDG_RUNTIME_DIR=/tmp/runtime-admin "$@"
}

total0=$(date +%s.%N)

make_root() {
  debootstrap --variant=minbase bookworm "$target" "$mirror" >"$out/debootstrap.log" 2>&1 ||
    { tail -20 "$out/debootstrap.log"; fail "debootstrap"; }
  cat >"$target/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  cp /etc/resolv.conf "$target/etc/resolv.conf"
  mount -t proc proc "$target/proc"
  mount -t sysfs sysfs "$target/sys"
  mount --bind /dev "$target/dev"
  mount --bind /dev/pts "$target/dev/pts"
  in_root useradd --create-home --shell /bin/sh admin
  in_root install -d -m 0700 -o admin -g admin /tmp/runtime-admin
  in_root install -d -m 1777 /tmp/.X11-unix
}
step "debootstrap --variant=minbase bookworm" make_root

install_tools() {
  in_root apt-get update -qq
  # What a desktop brings and the test uses: an X server (xvfb, xauth), screenshots and window lists (x11-apps,
  # x11-utils), and a file manager's way of opening a file: gio (libglib2.0-bin) with the MIME database
  # (shared-mime-info) and the desktop files' MIME cache (desktop-file-utils; gio reads mimeinfo.cache). Our
  # packages activate the triggers of the last two; they are not ours to depend on.
  in_root apt-get install -y -qq --no-install-recommends xvfb xauth x11-apps x11-utils libglib2.0-bin \
    shared-mime-info desktop-file-utils >/dev/null
}
step "test tools (xvfb, x11-apps, gio, MIME and desktop caches)" install_tools
in_root dpkg-query -W -f='${Package}\n' | sort >"$out/packages-before.txt"

echo "==> our packages:"
for deb in "${debs[@]}"; do
  printf '    %-40s %7s KiB (.deb)  Installed-Size %6s KiB\n' "$(basename "$deb")" \
    "$(( $(stat -c %s "$deb") / 1024 ))" "$(dpkg-deb -f "$deb" Installed-Size)"
done | tee "$out/sizes.txt"
mkdir -p "$target/tmp/debs"
cp "${debs[@]}" "$target/tmp/debs/"

install_ours() {
  # Globbed inside the root, so apt sees ./-style paths; --no-install-recommends: Depends alone must suffice.
  in_root sh -c 'apt-get install -y -qq --no-install-recommends /tmp/debs/*.deb >/dev/null'
}
step "apt-get install ./d365sync*.deb (only ours)" install_ours
in_root dpkg-query -W -f='${Package}\n' | sort >"$out/packages-with-ours.txt"
echo "    packages pulled in: $(comm -13 "$out/packages-before.txt" "$out/packages-with-ours.txt" | wc -l)" \
  "(new, including ours)"

version() {
  local v
  v=$(in_user d365sync-cli --version)
  echo "    $v"
  [[ "$v" == d365sync* ]] || fail "d365sync-cli --version printed '$v'"
}
step "d365sync-cli --version" version

sandbox_url=""
start_sandbox() {
  in_user sh -c 'd365sync-sandbox --port 0 --accept-any-token >/tmp/sandbox.out 2>/tmp/sandbox.log &'
  for _ in $(seq 1 100); do
    sandbox_url=$(sed -n '1s/^listening //p' "$target/tmp/sandbox.out" 2>/dev/null || true)
    [[ -n "$sandbox_url" ]] && break
    sleep 0.1
  done
  [[ -n "$sandbox_url" ]] || { cat "$target/tmp/sandbox.log"; fail "the sandbox did not report its address"; }
  echo "    sandbox org at $sandbox_url"
  in_user d365sync-cli profile add sandbox --url "$sandbox_url" --sandbox
}
step "start d365sync-sandbox, profile add --sandbox" start_sandbox

sample=/usr/share/d365sync/sample/customers-to-contacts.d365map.json
headless_sync() {
  local status=0
  in_user d365sync-cli run "$sample" >"$out/run.out" 2>"$out/run.err" || status=$?
  cat "$out/run.out"
  [[ $status -eq 0 ]] || { cat "$out/run.err"; fail "d365sync-cli run exited $status"; }
  grep -Eq '^Finished: 10.?000 source rows into contacts .* 10.?000 upserted, 0 failed' "$out/run.out" ||
    fail "unexpected summary line"
}
step "d365sync-cli run (sample, 10,000 rows)" headless_sync

gui_screenshot() {
  # The double-click path: gio resolves the content type from our MIME glob and the application from our
  # .desktop file (Exec=d365sync %f), as a GIO file manager does.
  local type app
  type=$(in_user gio info -a standard::content-type "$sample" | sed -n 's/^ *standard::content-type: //p')
  app=$(in_user gio mime application/x-d365sync-mapping)
  app=${app%%$'\n'*} # the first line: "Default application for ...: <desktop file>"
  echo "    content type: $type; $app"
  [[ "$type" == application/x-d365sync-mapping ]] || fail "the sample mapping has content type '$type'"
  [[ "$app" == *example.d365sync.D365Sync.desktop* ]] || fail "no default application for mapping files"
  in_user xvfb-run -a -s '-screen 0 1280x800x24' sh -c '
    gio open "$0"
    # The main window carries the WM_CLASS ("d365sync" "d365sync"); its title names the mapping.
    for i in $(seq 1 150); do
      xwininfo -root -tree | grep -q "D365 Sync\": (\"d365sync\"" && break
      sleep 0.1
    done
    echo "    window after $i x 0.1 s: $(xwininfo -root -tree | grep "(\"d365sync\"" | head -1 | sed "s/^ *//")"
    # The window icon (an SVG resource: drawn only if the SVG icon engine of libqt6svg6 is there).
    win=$(xwininfo -root -tree | grep "(\"d365sync\"" | head -1 | sed "s/^ *\(0x[0-9a-f]*\) .*/\1/")
    echo "    window icon: $(xprop -id "$win" _NET_WM_ICON | grep -o "Icon ([0-9]* x [0-9]*)" | tr "\n" " ")"
    sleep 3   # the sign-in check against the sandbox and the first paint
    xwd -root -silent >/tmp/screenshot.xwd
    for p in /proc/[0-9]*; do
      [ "$(cat $p/comm 2>/dev/null)" = d365sync ] && echo "    d365sync: $(tr "\0" " " <$p/cmdline)" && kill ${p#/proc/}
    done
    true' "$sample" >"$out/gui.txt" 2>&1 || { cat "$out/gui.txt"; fail "xvfb-run"; }
  cat "$out/gui.txt"
  [[ -s "$target/tmp/screenshot.xwd" ]] || fail "no screenshot"
  grep -q "window icon: Icon (" "$out/gui.txt" || fail "the window has no icon"
  [[ -s "$target/usr/share/icons/hicolor/48x48/apps/d365sync.png" &&
    -s "$target/usr/share/icons/hicolor/index.theme" ]] || fail "no menu icon, or no hicolor theme to find it"
  /usr/bin/convert "xwd:$target/tmp/screenshot.xwd" "$out/screenshot.png"
  echo "    screenshot: $out/screenshot.png"
}
step "gio open sample.d365map.json under Xvfb, screenshot" gui_screenshot

remove_ours() {
  for p in /proc/[0-9]*; do
    [[ "$(readlink "$p/root" 2>/dev/null)" == "$target" && "$(cat "$p/comm" 2>/dev/null)" == d365sync-sandb* ]] &&
      kill "${p#/proc/}"
  done
  in_root apt-get purge -y -qq d365sync d365sync-cli d365sync-sandbox >/dev/null
  in_root apt-get autoremove --purge -y -qq >/dev/null
}
step "apt-get purge + autoremove" remove_ours
in_root dpkg-query -W -f='${Package}\n' | sort >"$out/packages-after.txt"
if ! diff -u "$out/packages-before.txt" "$out/packages-after.txt"; then
  fail "the package list after removal differs from the one before the install"
fi
# Files of ours anywhere but in the user's home (settings are user data, as with every Debian package).
leftovers=$(cd "$target" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./home \
  -o -path ./tmp \) -prune -o \( -iname '*d365*' -print \) )
leftovers+=$(grep -rls 'd365' "$target/usr/share/mime" "$target/usr/share/applications" 2>/dev/null || true)
[[ -z "$leftovers" ]] || fail "left after removal: $leftovers"
echo "    removed cleanly: package list as before the install, no file of ours outside /home"

awk -v a="$total0" -v b="$(date +%s.%N)" 'BEGIN { printf "%-52s %6.1f s\n", "total", b - a }' | tee -a "$times"
echo "test-install: PASSED"
