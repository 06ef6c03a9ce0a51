#!/usr/bin/env bash
# Reproduces the paper's experiment grid (Montgomery & Levine 2016, Figure 3 and Table 1) in
# both eras of the algorithm: installs what the build needs (OpenBLAS, MuJoCo), builds
# cmd/mdgps with -tags openblas and, for each era in ERAS (default "current submission"), runs
# `mdgps reproduce --era ERA` into data/paper/ERA (OUT=... sets the parent), then appends the
# command, commit, machine and wall time to OUT/ERA/run-info.md. Finished runs are skipped, so an
# interrupted call resumes.
#
# Usage: scripts/reproduce.sh [mdgps reproduce flags]     (make reproduce)
#   e.g. scripts/reproduce.sh --tasks obstacle --seeds 0 --iterations 4   (a quick check)
#   ERAS=submission scripts/reproduce.sh                                   (one era)
#   OUT=/tmp/paper scripts/reproduce.sh                                    (another directory)
#   MDGPS_BIN=/path/mdgps scripts/reproduce.sh                             (a binary built before)
# Finished runs' checkpoints are deleted (--prune: a peg checkpoint is about 60 MB); set
# KEEP_CHECKPOINTS=1 to keep them (to extend runs later or step through them in a notebook).
set -euo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-go}"
OUT="${OUT:-data/paper}"

ERAS="${ERAS:-current submission}"

scripts/install-deps.sh
# The commit the binary is built from (recorded now: HEAD may move during a long run).
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty=""
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && dirty=" (with uncommitted changes)"
BIN="${MDGPS_BIN:-}"
if [ -z "$BIN" ]; then
  mkdir -p bin
  "$GO" build -tags openblas -o bin/mdgps ./cmd/mdgps
  BIN=bin/mdgps
else
  commit="$commit, binary $BIN given by MDGPS_BIN"
fi
prune=(--prune)
[ "${KEEP_CHECKPOINTS:-0}" = 1 ] && prune=()
cpu="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"

total=0
for era in $ERAS; do
  out="$OUT/$era"
  start=$(date +%s)
  started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  "$BIN" reproduce --era "$era" --out "$out" "${prune[@]}" "$@"
  secs=$(( $(date +%s) - start ))
  total=$(( total + secs ))
  info="$out/run-info.md"
  if [ ! -f "$info" ]; then
    printf '# How these results were made\n\nOne entry per call of scripts/reproduce.sh (make reproduce); a call skips the runs that\nearlier calls finished, so the wall times add up.\n' > "$info"
  fi
  {
    echo
    echo "- started $started, wall time ${secs} s"
    echo "  - command: \`scripts/reproduce.sh $*\` (= \`$BIN reproduce --era $era --out $out ${prune[*]} $*\`, built with \`-tags openblas\`)"
    echo "  - commit: $commit$dirty"
    echo "  - machine: $(nproc) cores, ${cpu:-unknown CPU}, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); Go $("$GO" version | cut -d' ' -f3-)"
  } >> "$info"
  echo "reproduce ($era era): ${secs} s; see $out/success.md, $out/figures/ and $out/run-info.md"
done
echo "reproduce: ${total} s in all (eras: $ERAS)"
