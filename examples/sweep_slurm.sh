#!/bin/sh
# A sweep as a Slurm array job: each task of the array runs one shard of the grid and writes
# one JSON file per run into a shared folder; a last job, started when every task is done,
# merges them into the table (and JSON report) one process would print.
#
#   sbatch --array=1-8 examples/sweep_slurm.sh                       # 8 shards
#   sbatch --dependency=afterok:<array job id> --wrap \
#          "semeq scripts/sweep.lua --merge sweep-runs --json sweep.json"
#
# The same with GNU parallel on one or more machines that share the folder:
#   parallel -j 8 semeq scripts/sweep.lua $GRID --shard {}/8 --out sweep-runs ::: $(seq 8)
#   semeq scripts/sweep.lua --merge sweep-runs --json sweep.json
#
# A task that was preempted or failed can be resubmitted as it is (sbatch --array=3 ...):
# the runs already in the folder are kept, the others are trained. Every run seeds itself,
# so the table does not depend on how the grid was cut. Keep GRID the same for every shard:
# a merge refuses runs of two grids. SWEEP_GRID replaces the grid below, SWEEP_OUT the
# folder, SEMEQ the interpreter (run from the repository, or give scripts/ a full path).
#SBATCH --job-name=semeq-sweep
#SBATCH --cpus-per-task=1
#SBATCH --time=04:00:00
#SBATCH --output=sweep-%A_%a.log
set -eu

GRID=${SWEEP_GRID:-"--latent 2,8,32,64,128 --lambda 0.1,0.5,1,2 --inputs params,curve40 --seeds 5"}
OUT=${SWEEP_OUT:-sweep-runs}
SEMEQ=${SEMEQ:-semeq}

# SLURM_ARRAY_TASK_COUNT is set by Slurm 20.02 and later; count the range otherwise.
N=${SLURM_ARRAY_TASK_COUNT:-$((SLURM_ARRAY_TASK_MAX - SLURM_ARRAY_TASK_MIN + 1))}
K=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-1} + 1))

# shellcheck disable=SC2086  # GRID is a list of flags
exec "$SEMEQ" scripts/sweep.lua $GRID --threads "${SLURM_CPUS_PER_TASK:-1}" --shard "$K/$N" --out "$OUT"
