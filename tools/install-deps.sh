#!/usr/bin/env bash
# Installs capsim's build and test dependencies from Debian's packages (nothing else).
# Usage: tools/install-deps.sh        (as root, or with sudo available)
#   CAPSIM_DEPS=build tools/install-deps.sh   only what building and running capsim needs
#                                            (the Dockerfile's choice)
# By default also: clang and libclang-rt-14-dev (tools/fuzz.sh), and slurm-wlm and munge (the
# local SLURM cluster of tools/slurm/local-cluster.sh, run by the test labelled slurm; about
# 50 s more to install; their daemons are not started by the packages).
set -euo pipefail
packages=(
  cmake g++ make pkg-config git
  libsimgrid-dev libyaml-cpp-dev libboost-dev
  doctest-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  gnuplot-nox
  libopenmpi-dev openmpi-bin
)
if [ "${CAPSIM_DEPS:-all}" != build ]; then
  packages+=(clang libclang-rt-14-dev slurm-wlm munge)
fi
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
