#!/usr/bin/env bash
# Builds the web app (web/) into web/dist with the pinned toolchain from web/package-lock.json
# (esbuild; hls.js, dash.js, tus-js-client bundled in: nothing is loaded from a CDN).
# Quick when nothing changed: the inputs' hash is kept in web/.dist-stamp.
# Usage: scripts/build-web.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "build-web: node and npm are needed (scripts/install-deps.sh build installs them)" >&2
  exit 1
fi

# Dependencies: `npm ci` exactly as locked, again whenever the lock file changes.
modules_stamp=node_modules/.streamgate-lock
if [ ! -f "$modules_stamp" ] || ! cmp -s package-lock.json "$modules_stamp"; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$modules_stamp"
fi

inputs_hash() {
  { find src -type f -print0 | sort -z | xargs -0 sha256sum
    sha256sum build.mjs package.json package-lock.json
    node --version; } | sha256sum | cut -d' ' -f1
}
want=$(inputs_hash)
if [ "${1:-}" != "--force" ] && [ -f dist/index.html ] && [ -f .dist-stamp ] &&
  [ "$(cat .dist-stamp)" = "$want" ]; then
  exit 0
fi
node build.mjs
echo "$want" > .dist-stamp
