#!/usr/bin/env bash
# The era ablation (issue era, item 5): which submission-era behaviour moves the paper's numbers.
# Each behaviour group of spec §15 (mdgps.EraBehaviours) alone on top of the current era, for
# MDGPS off-policy/classic and on-policy/classic on the obstacle and peg tasks, seeds 0 and 1,
# 12 iterations: `mdgps reproduce --era current --submission-behaviours B` into
# data/paper/ablation/B. The two ends ("none" = the current era, "all" = the submission era) are
# the same runs of the two grids (data/paper/current, data/paper/submission; make reproduce).
# Then writes data/paper/ablation/table.md: final distance (mean over seeds) and peg success at
# iteration 12 per setting. Finished runs are skipped, so an interrupted call resumes.
#
# Usage: scripts/ablation.sh [extra mdgps reproduce flags]   (MDGPS_BIN=... to use a built binary)
#        TABLE_ONLY=1 scripts/ablation.sh                     (only the table, from the runs there are)
set -euo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-go}"
OUT="${OUT:-data/paper}"
BEHAVIOURS="${BEHAVIOURS:-rounds eta-search step-quantities prior-details network}"
GRID=(--tasks obstacle,peg --variants off/classic,on/classic --seeds 0,1 --iterations 12)

scripts/install-deps.sh
BIN="${MDGPS_BIN:-}"
if [ -z "$BIN" ]; then
  mkdir -p bin
  "$GO" build -tags openblas -o bin/mdgps ./cmd/mdgps
  BIN=bin/mdgps
fi
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
start=$(date +%s)
if [ "${TABLE_ONLY:-0}" != 1 ]; then
  for b in $BEHAVIOURS; do
    "$BIN" reproduce --era current --submission-behaviours "$b" "${GRID[@]}" --out "$OUT/ablation/$b" --prune "$@"
  done
fi
secs=$(( $(date +%s) - start ))

# The table: one row per setting, columns task × variant at iteration 12.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
row() { # setting, run directories root
  local name="$1" root="$2" d
  mkdir -p "$tmp/$name"
  for task in obstacle peg; do
    for v in off-classic on-classic; do
      for s in 0 1; do
        d="$root/${task}_${v}_seed$s"
        if [ -f "$d/iterations.jsonl" ]; then
          mkdir -p "$tmp/$name/${task}_${v}_seed$s"
          cp "$d/iterations.jsonl" "$tmp/$name/${task}_${v}_seed$s/"
        fi
      done
    done
  done
  "$BIN" table --csv "$tmp/$name" 2>/dev/null | awk -F, -v name="$name" '
    $3 == 12 { key = $1 "|" $2; dist[key] = sprintf("%.3f ± %.3f (%s)", $5, $6, $4); succ[key] = sprintf("%.1f", $7) }
    END {
      printf "| %s | %s | %s | %s | %s | %s | %s |\n", name,
        dist["obstacle|off/classic"], dist["obstacle|on/classic"],
        dist["peg|off/classic"], succ["peg|off/classic"], dist["peg|on/classic"], succ["peg|on/classic"]
    }'
}
{
  echo "# The era ablation: each submission behaviour alone on the current era"
  echo
  echo "MDGPS off-policy/classic and on-policy/classic, seeds 0 and 1, iteration 12: final distance"
  echo "(obstacle: to the target, m; peg: peg bottom above the hole bottom, m) as mean ± std over"
  echo "seeds (seeds counted), and peg success in percent of conditions × seeds. \"none\" is the"
  echo "current era, \"all\" the submission era (the grids' runs of the same seeds). Made by"
  if [ "${TABLE_ONLY:-0}" = 1 ]; then
    echo "\`TABLE_ONLY=1 scripts/ablation.sh\` at commit $commit from the runs present (a cell without a"
    echo "value has no finished run yet)."
  else
    echo "\`scripts/ablation.sh\` at commit $commit; the ablation runs took ${secs} s."
  fi
  echo
  echo "| setting | obstacle off/classic | obstacle on/classic | peg off/classic | success % | peg on/classic | success % |"
  echo "|---|---|---|---|---|---|---|"
  row none "$OUT/current/runs"
  for b in $BEHAVIOURS; do
    row "$b" "$OUT/ablation/$b/runs"
  done
  row all "$OUT/submission/runs"
} > "$OUT/ablation/table.md"
echo "ablation: ${secs} s; see $OUT/ablation/table.md"
