#!/usr/bin/env bash
# Builds the Dockerfile's image where a container engine can (docker or podman), then runs the
# quickstart in it; skipped (exit 77) with the reason where none is available.
# Environment (set by CTest): CAPSIM_SOURCE.
set -euo pipefail
: "${CAPSIM_SOURCE:?}"
engine=""
for candidate in docker podman; do
  if command -v $candidate >/dev/null; then
    if $candidate info >/dev/null 2>&1; then engine=$candidate; break; fi
    reason="$candidate is installed but cannot reach its daemon or runtime ($candidate info fails)"
  fi
done
if [ -z "$engine" ]; then
  echo "SKIP: ${reason:-no container engine (neither docker nor podman is installed)}; the image is built where one is: docker build -t capsim ."
  exit 77
fi
tag=capsim-test:$$
trap '$engine rmi -f "$tag" >/dev/null 2>&1 || true' EXIT
$engine build -t "$tag" "$CAPSIM_SOURCE"
out=$($engine run --rm "$tag" sh -c 'capsim --version && capsim run /usr/local/share/capsim/scenarios/quickstart.yaml -o /tmp/q -q && test -s /tmp/q/summary.json && echo RUN-OK')
echo "$out"
echo "$out" | grep -q "^configs: /usr/local/share/capsim/configs$" || { echo "FAIL: the image's capsim does not read its installed catalogue"; exit 1; }
echo "$out" | grep -q RUN-OK || { echo "FAIL: the quickstart did not run in the image"; exit 1; }
echo "PASS: image built with $engine; the quickstart runs in it"
