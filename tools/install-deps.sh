#!/usr/bin/env bash
# Installs capsim's build and test dependencies: Debian's packages, then the pinned chart library
# of report.html from npm (`npm ci` against package-lock.json, into node_modules/; CMake inlines
# it into the capsim binary at build time, so nothing is downloaded when building or viewing).
# Usage: tools/install-deps.sh        (as root, or with sudo available)
#   CAPSIM_DEPS=build tools/install-deps.sh   only what building and running capsim needs
#                                            (the Dockerfile's choice)
# By default also: clang and libclang-rt-14-dev (tools/fuzz.sh), and slurm-wlm and munge (the
# local SLURM cluster of tools/slurm/local-cluster.sh, run by the test labelled slurm; about
# 50 s more to install; their daemons are not started by the packages), and Debian's headless
# Chromium (chromium-headless-shell) for the report's browser test (label browser).
set -euo pipefail
packages=(
  cmake g++ make pkg-config git
  libsimgrid-dev libyaml-cpp-dev libboost-dev
  doctest-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  gnuplot-nox
  libopenmpi-dev openmpi-bin
)
if [ "${CAPSIM_DEPS:-all}" != build ]; then
  packages+=(clang libclang-rt-14-dev slurm-wlm munge chromium-headless-shell)
fi
# npm (and node) from Debian unless a node with its own npm is already installed.
command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  echo "install-deps: installed ${missing[*]}"
fi
# The report's chart library (uPlot, version pinned in package.json and package-lock.json).
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -f "$root/package-lock.json" ]; then
  lock_hash="$(sha256sum "$root/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$root/node_modules/.capsim-lock-hash" 2>/dev/null)" = "$lock_hash" ]; then
    echo "install-deps: node_modules matches package-lock.json"
  else
    (cd "$root" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    echo "$lock_hash" >"$root/node_modules/.capsim-lock-hash"
    echo "install-deps: npm ci installed the report's chart library into node_modules/"
  fi
fi
