#!/usr/bin/env bash
# Installs the Debian 12 packages StreamGate needs to build, test and benchmark.
# Idempotent and quiet when everything is present. Usage: scripts/install-deps.sh [build|test|all]
set -euo pipefail

profile="${1:-all}"

build_pkgs=(
  build-essential cmake ninja-build pkg-config ccache
  libboost1.81-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  libpq-dev libhiredis-dev libssl-dev libsecp256k1-dev libsqlite3-dev nettle-dev
  libavformat-dev libavcodec-dev libavfilter-dev libswscale-dev libswresample-dev libavutil-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
test_pkgs=(postgresql redis-server ffmpeg openssl curl nginx wrk docker-compose time chromium)

case "$profile" in
  build) wanted=("${build_pkgs[@]}") ;;
  test | all) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

# Node builds the web app (scripts/build-web.sh), so every profile needs it. It may come from
# Debian or from NodeSource (whose nodejs bundles npm and conflicts with Debian's npm
# package), so it is judged by the commands, not by package names.
if ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
