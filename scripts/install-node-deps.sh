#!/usr/bin/env bash
# Installs the pinned npm clients the tests use (ethers, siwe, ganache, solc, tus-js-client...)
# from tests/node/package-lock.json. Quiet and quick when already installed.
set -euo pipefail
cd "$(dirname "$0")/../tests/node" 2>/dev/null || exit 0
[ -f package-lock.json ] || exit 0
stamp=node_modules/.streamgate-lock
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
cp package-lock.json "$stamp"
