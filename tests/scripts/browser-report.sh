#!/usr/bin/env bash
# report.html in a real browser: Debian's headless Chromium loads the report of a ground run
# (quickstart: no battery, so no battery chart), an orbital run (orbital-sso: battery and
# eclipse charts), a finance run (apollo-xai-lease: DSCR chart), a sweep (a log-spaced axis,
# a curve added with --curve) and a finance sweep (the distribution of returns), at desktop and
# phone width, through
# tests/browser/check-report.mjs: no console error, no request leaving the file, every chart
# drawn, the numbers shown equal summary.json's. Horizons are cut short to keep it quick.
# Screenshots: $CAPSIM_BUILD/browser-report/NAME-1280.png and NAME-390.png.
# Environment (set by CTest): CAPSIM_SOURCE, CAPSIM_BIN, CAPSIM_BUILD.
set -euo pipefail
: "${CAPSIM_SOURCE:?}" "${CAPSIM_BIN:?}" "${CAPSIM_BUILD:?}"
browser=""
for candidate in chromium-headless-shell chromium; do
  if command -v "$candidate" >/dev/null; then browser=$(command -v "$candidate"); break; fi
done
[ -n "$browser" ] || { echo "SKIP: no headless Chromium (apt-get install chromium-headless-shell; tools/install-deps.sh installs it)"; exit 77; }
command -v node >/dev/null || { echo "SKIP: node is not installed (tools/install-deps.sh installs it)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shots="$CAPSIM_BUILD/browser-report"
mkdir -p "$shots"
export HOME="$work" # the browser's caches and crash reports stay in the temporary directory
failures=0
check() { # NAME DIR [check-report options...]
  local name=$1 dir=$2
  shift 2
  echo "== $name"
  local summary=()
  [ -f "$dir/summary.json" ] && summary=(--summary "$dir/summary.json")
  if ! node "$CAPSIM_SOURCE/tests/browser/check-report.mjs" --browser "$browser" \
      --page "$dir/report.html" "${summary[@]}" --screenshot "$shots/$name" "$@"; then
    failures=$((failures + 1))
  fi
}
s="$CAPSIM_SOURCE/scenarios"
"$CAPSIM_BIN" run "$s/quickstart.yaml" -o "$work/ground" -q --report --set horizon=30d
check ground "$work/ground" --expect-chart memphis:power --expect-chart memphis:gpus \
  --expect-chart goodput:pretrain --expect-chart events --no-chart :battery --no-chart :eclipse
"$CAPSIM_BIN" run "$s/orbital-sso.yaml" -o "$work/orbital" -q --report --set horizon=3d
check orbital "$work/orbital" --expect-chart :battery --expect-chart :eclipse --expect-chart :power
"$CAPSIM_BIN" run "$s/apollo-xai-lease.yaml" -o "$work/finance" -q --report --set horizon=100d
check finance "$work/finance" --expect-chart dscr: --expect-chart :power
"$CAPSIM_BIN" sweep "$CAPSIM_SOURCE/tests/fixtures/sweep/small.yaml" -o "$work/sweep" -q -j 2 \
  --report --axis 'sites.site-a.grid.capacity={from: 0.05 MW, to: 0.4 MW, steps: 4, scale: log}' \
  --curve x=sites.site-a.grid.capacity,y=jobs.j1.flop_done,group=jobs.j1.mfu
check sweep "$work/sweep" --expect-chart curve:goodput --expect-chart curve:flop_done-vs-capacity \
  --expect-chart curve:goodput-over-time
# A sweep where finance varies (rents, drawn lessee defaults): the distribution of returns.
"$CAPSIM_BIN" sweep "$s/apollo-xai-lease-adverse.yaml" -o "$work/finance-sweep" -q -j 2 --report \
  --replications 3 --set horizon=30d
check finance-sweep "$work/finance-sweep" --expect-chart curve:equity-irr-vs-rent \
  --expect-chart returns:finance.equity_irr --no-chart returns:finance.vehicles.apollo.equity_irr
if [ "$failures" -eq 0 ]; then echo "PASS: 5 reports checked at 1280 and 390 px; screenshots in $shots"; else
  echo "FAIL: $failures of 5 reports"; exit 1; fi
