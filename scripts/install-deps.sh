#!/usr/bin/env bash
# Installs the Debian packages swarmbot builds and tests with. Idempotent: it asks
# apt only for what is missing, so a second run is silent and fast.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang-format
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev openssl libsimdjson-dev libsqlitecpp-dev libsqlite3-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libgmime-3.0-dev libidn2-dev python3
  python3-aiosmtpd
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
