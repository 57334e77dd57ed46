#!/usr/bin/env bash
# `cpack -G DEB` in the build tree: the package installs usr/bin/scn-tools and usr/share/scn-tools, its Depends names
# the runtime libraries, and the binary unpacked from it runs.
set -euo pipefail
bin=$1
build_dir=$(dirname "$bin")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
    echo "FAILED: $*" >&2
    exit 1
}
(cd "$dir" && cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$dir/out" >"$dir/cpack.log" 2>&1) ||
    fail "cpack: $(cat "$dir/cpack.log")"
deb=$(ls "$dir"/out/scn-tools_*.deb 2>/dev/null | head -1)
[[ -n $deb ]] || fail "no scn-tools_*.deb: $(ls "$dir/out")"
echo "package: $(basename "$deb")"
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/scn-tools ./usr/share/scn-tools/data/cpo/locations.json ./usr/share/scn-tools/data/msp/tokens.json \
    ./usr/share/scn-tools/data/scenarios/happy-path.json \
    ./usr/share/scn-tools/config/config.local.json; do
    grep -q " $path\$" <<<"$contents" || fail "$path not in the package"
done
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libboost-json1.81.0 libboost-url1.81.0 libsecp256k1 'libcrypto\+\+' libsqlite3 liblz4 libssl3 tzdata; do
    grep -qE "(^|, )$lib" <<<"$depends" || fail "Depends does not name $lib"
done
dpkg-deb -x "$deb" "$dir/root"
"$dir/root/usr/bin/scn-tools" --version | grep -q "^scn-tools " || fail "the packaged binary does not run"
echo "package: all checks passed"
