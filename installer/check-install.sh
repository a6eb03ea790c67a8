#!/usr/bin/env bash
# Checks the install tree of a build without installing anything on this machine: `cmake --install` into a
# scratch DESTDIR with prefix /usr, then
#   - every file the packages promise is there (binaries, schema, sample, desktop entry, metainfo, MIME type,
#     icons, man pages) and the sample mapping finds its warehouse next to it;
#   - desktop-file-validate, appstreamcli validate, update-mime-database accept ours, and the MIME glob wins
#     over *.json; the man pages render without warnings;
#   - the installed binaries carry no RUNPATH.
# Run by package.sh and as the CTest test install_layout. Usage: installer/check-install.sh <build dir>
set -euo pipefail

build=$(cd "${1:?usage: check-install.sh <build dir>}" && pwd)
scratch=$(mktemp -d /tmp/d365sync-check-install.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "check-install: FAILED: $*" >&2; exit 1; }

DESTDIR="$scratch/dest" cmake --install "$build" --prefix /usr >/dev/null
usr="$scratch/dest/usr"
app_id=example.d365sync.D365Sync

expected=(
  bin/d365sync bin/d365sync-cli bin/d365sync-sandbox
  share/d365sync/mapping.schema.json
  share/d365sync/sample/warehouse.db share/d365sync/sample/customers-to-contacts.d365map.json
  share/d365sync/sample/customers-to-newsletter.d365map.json
  share/d365sync/sample/README.md
  share/applications/$app_id.desktop share/metainfo/$app_id.metainfo.xml share/mime/packages/d365sync.xml
  share/icons/hicolor/scalable/apps/d365sync.svg
  share/man/man1/d365sync-cli.1.gz share/man/man1/d365sync.1.gz share/man/man1/d365sync-sandbox.1.gz
)
for size in 16 22 24 32 48 64 128 256 512; do
  expected+=("share/icons/hicolor/${size}x${size}/apps/d365sync.png")
done
for f in "${expected[@]}"; do
  [[ -s "$usr/$f" ]] || fail "missing /usr/$f"
done
# Nothing unexpected either (a stray install rule would land in a package unnoticed).
actual=$(cd "$usr" && find . -type f | sed 's|^\./||' | sort)
unexpected=$(comm -13 <(printf '%s\n' "${expected[@]}" | sort) <(echo "$actual"))
[[ -z "$unexpected" ]] || fail "files not in the list of check-install.sh: $unexpected"

# The PNG sizes really are the sizes their folder says (file(1) prints "PNG image data, 48 x 48").
for size in 16 256; do
  file "$usr/share/icons/hicolor/${size}x${size}/apps/d365sync.png" | grep -q "PNG image data, $size x $size" ||
    fail "the ${size}x${size} icon is not a ${size}x${size} PNG"
done

# The sample mapping names its warehouse relative to itself, and the warehouse is there.
sample_dir="$usr/share/d365sync/sample"
grep -q '"path": "warehouse.db"' "$sample_dir/customers-to-contacts.d365map.json" ||
  fail "the sample mapping does not name warehouse.db relative to itself"

desktop-file-validate "$usr/share/applications/$app_id.desktop" || fail "desktop-file-validate"
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net --pedantic "$usr/share/metainfo/$app_id.metainfo.xml" >"$scratch/as.txt" 2>&1 ||
    { cat "$scratch/as.txt"; fail "appstreamcli validate"; }
else
  fail "appstreamcli not found (package appstream; installer/install-deps.sh installs it)"
fi

# The MIME database built from our package file alone (plus a *.json type standing in for the system's):
# a *.d365map.json file must get our type, not application/json.
mkdir -p "$scratch/mime/packages"
cp "$usr/share/mime/packages/d365sync.xml" "$scratch/mime/packages/"
cat >"$scratch/mime/packages/json.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="application/json"><glob pattern="*.json"/></mime-type>
</mime-info>
EOF
update-mime-database "$scratch/mime" 2>"$scratch/mime.err" || { cat "$scratch/mime.err"; fail "update-mime-database"; }
grep -q '^60:application/x-d365sync-mapping:\*\.d365map\.json$' "$scratch/mime/globs2" ||
  fail "the MIME glob is not in globs2: $(cat "$scratch/mime/globs2")"
grep -q "^application/x-d365sync-mapping application/json$" "$scratch/mime/subclasses" ||
  fail "the mapping type is not a subclass of application/json"
grep -q "^MimeType=application/x-d365sync-mapping;$" "$usr/share/applications/$app_id.desktop" ||
  fail "the desktop entry does not open the mapping type"
grep -q "^Exec=d365sync %f$" "$usr/share/applications/$app_id.desktop" ||
  fail "the desktop entry does not hand the file over"

for page in d365sync-cli d365sync d365sync-sandbox; do
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -E UTF-8 -l "$usr/share/man/man1/$page.1.gz" 2>&1 >/dev/null)
  [[ -z "$warnings" ]] || fail "man page $page: $warnings"
done

for exe in d365sync d365sync-cli d365sync-sandbox; do
  if readelf -d "$usr/bin/$exe" | grep -Eq 'RPATH|RUNPATH'; then
    fail "/usr/bin/$exe has an RPATH: $(readelf -d "$usr/bin/$exe" | grep -E 'RPATH|RUNPATH')"
  fi
done
echo "check-install: the install tree of $build is complete and valid (${#expected[@]} files)"
