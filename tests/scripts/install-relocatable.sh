#!/usr/bin/env bash
# cmake --install into a temporary prefix, move the prefix elsewhere, hide the source tree, and
# run the quickstart and a weather scenario from the moved prefix in another directory: the
# outputs must equal the build tree's byte for byte, and the catalogue must come from the prefix.
# Environment (set by CTest): CAPSIM_SOURCE, CAPSIM_BUILD, CAPSIM_BIN.
set -euo pipefail
: "${CAPSIM_SOURCE:?}" "${CAPSIM_BUILD:?}" "${CAPSIM_BIN:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$CAPSIM_BUILD" --prefix "$work/prefix" >"$work/install.log"
for f in bin/capsim share/capsim/configs/gpus.yaml share/capsim/configs/weather/memphis-synthetic.yaml \
  share/capsim/scenarios/quickstart.yaml share/capsim/slurm/sweep-array.sh share/capsim/slurm/merge.sh \
  share/capsim/slurm/local-cluster.sh share/man/man1/capsim.1 share/bash-completion/completions/capsim \
  lib/cmake/capsim/capsimConfig.cmake include/capsim/models/units.hpp; do
  [ -e "$work/prefix/$f" ] || { echo "FAIL: cmake --install did not install $f"; exit 1; }
done
[ -x "$work/prefix/share/capsim/slurm/sweep-array.sh" ] || { echo "FAIL: sweep-array.sh not executable"; exit 1; }
mv "$work/prefix" "$work/moved"
moved="$work/moved"
mkdir "$work/elsewhere"

# The reference: the same runs from the build tree.
(cd "$work" && "$CAPSIM_BIN" run "$CAPSIM_SOURCE/scenarios/quickstart.yaml" -o "$work/ref-quick" -q \
  && "$CAPSIM_BIN" run "$CAPSIM_SOURCE/scenarios/heatwave.yaml" -o "$work/ref-heat" -q)

cat >"$work/run.sh" <<EOS
set -eu
cd "$work/elsewhere"
unset CAPSIM_CONFIG_DIR
export CAPSIM_NO_SOURCE_TREE=1
"$moved/bin/capsim" --version
"$moved/bin/capsim" run "$moved/share/capsim/scenarios/quickstart.yaml" -o quick -q
"$moved/bin/capsim" run "$moved/share/capsim/scenarios/heatwave.yaml" -o heat -q
# The report's chart library and script are compiled in: no file of the tree is needed.
"$moved/bin/capsim" report quick >/dev/null
test "\$(wc -c <quick/report.html)" -gt 40000
EOS
# Hide the source tree and the build tree in a private mount namespace when the kernel allows it
# (the strongest check: nothing of the tree is readable); otherwise CAPSIM_NO_SOURCE_TREE keeps
# capsim from looking there, and the catalogue path it reports is checked below.
hidden=no
if unshare --mount --map-root-user true 2>/dev/null; then
  unshare --mount --map-root-user sh -c "mount -t tmpfs none '$CAPSIM_SOURCE' && [ ! -e '$CAPSIM_SOURCE/configs' ] && sh '$work/run.sh'" >"$work/version.txt"
  hidden=yes
else
  sh "$work/run.sh" >"$work/version.txt"
fi
cat "$work/version.txt"
echo "source tree hidden in a mount namespace: $hidden"
grep -q "^capsim 0\.1\.0 (git [0-9a-f]\{7,\}\(-modified\)\?)\|^capsim 0\.1\.0 (git unknown)" "$work/version.txt" \
  || { echo "FAIL: --version does not name capsim's version and commit"; exit 1; }
grep -q "^SimGrid 3\.[0-9]*\.[0-9]*" "$work/version.txt" || { echo "FAIL: --version does not name SimGrid"; exit 1; }
grep -qx "configs: $moved/share/capsim/configs" "$work/version.txt" \
  || { echo "FAIL: the catalogue is not the moved prefix's"; exit 1; }
for run in quick heat; do
  ref=ref-quick; [ $run = heat ] && ref=ref-heat
  for f in timeseries.csv events.csv; do
    cmp "$work/$ref/$f" "$work/elsewhere/$run/$f" || { echo "FAIL: $run/$f differs from the build tree's"; exit 1; }
  done
done
echo "PASS: installed, moved, and ran the quickstart and heatwave from the moved prefix"
