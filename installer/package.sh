#!/usr/bin/env bash
# Builds the Linux packages from a clean build tree (README "Install"):
#   build/packages/d365sync_<v>-1_<arch>.deb           desktop application (depends on d365sync-cli)
#   build/packages/d365sync-cli_<v>-1_<arch>.deb       headless runner, schema, sample, man page
#   build/packages/d365sync-sandbox_<v>-1_<arch>.deb   local Dataverse stand-in (optional)
#   build/packages/d365sync-<v>-linux-<arch>.tar.gz    all three, relocatable (bin/, share/)
# The build directory build/package/ is deleted first, so nothing from an earlier build leaks in; tests are not
# built (D365_BUILD_TESTS=OFF). ccache is used when present (paths made relative so the presets' objects hit).
# Then the packages are checked: the desktop entry, metainfo and MIME type validate, and the Depends are listed.
# Usage: installer/package.sh            (then: installer/test-install.sh installs them in a clean Debian 12)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build/package"
out="$root/build/packages"
start=$(date +%s)

"$root/installer/install-deps.sh" --build-only

rm -rf "$build" "$out"
mkdir -p "$out"
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DD365_BUILD_TESTS=OFF \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
built=$(date +%s)

# CPack's scratch folder stays in the build tree; only the packages land in build/packages/.
(cd "$build" && cpack -G "DEB;TGZ" -B "$build/cpack" >"$build/cpack.log" 2>&1) || { cat "$build/cpack.log"; exit 1; }
mv "$build"/cpack/*.deb "$build"/cpack/*.tar.gz "$out/"
"$root/installer/check-install.sh" "$build" >/dev/null

echo "package.sh: build $((built - start)) s, packaging $(($(date +%s) - built)) s; in $out:"
for f in "$out"/*; do
  if [[ "$f" == *.deb ]]; then
    printf '  %-42s %6s KiB, installed %6s KiB\n    Depends: %s\n' "$(basename "$f")" \
      "$(($(stat -c %s "$f") / 1024))" "$(dpkg-deb -f "$f" Installed-Size)" "$(dpkg-deb -f "$f" Depends)"
  else
    printf '  %-42s %6s KiB\n' "$(basename "$f")" "$(($(stat -c %s "$f") / 1024))"
  fi
done
