#!/bin/bash
# The MDGPS grid as a Slurm job array (docs/scaling.md): array task i runs shard i/SHARDS.
# Edit the lines marked "edit", then submit from the directory that holds bin/mdgps:
#   sbatch slurm-array.sh
# edit: --array=0-(SHARDS-1)
#SBATCH --array=0-7
#SBATCH --job-name=mdgps-grid
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --requeue
#SBATCH --open-mode=append
set -euo pipefail
SHARDS=8 # edit: the number of shards, the array size (fixed here, so one task can be rerun alone)
GRID=(--era current --seeds 0,1,2,3,4,5,6,7,8,9) # edit: grid flags, the same for every task and for the merge
OUT="$HOME/mdgps-grid" # edit: output directory, on a filesystem every node sees
# A requeued or rerun task resumes its shard: finished runs are skipped, the others continue
# from their checkpoints. Each attempt appends to the same log (slurm-JOBID_TASK.out).
echo "$(date -u +%FT%TZ) shard $SLURM_ARRAY_TASK_ID/$SHARDS on $(hostname -s), restart ${SLURM_RESTART_COUNT:-0}"
exec bin/mdgps reproduce "${GRID[@]}" --out "$OUT" --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" --quiet
