#!/usr/bin/env bash
# Installs capsim's build and test dependencies from Debian's packages (nothing else).
# Usage: tools/install-deps.sh        (as root, or with sudo available)
set -euo pipefail
packages=(
  cmake g++ make pkg-config
  libsimgrid-dev libyaml-cpp-dev libboost-dev
  doctest-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  gnuplot-nox
  libopenmpi-dev openmpi-bin
  clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
