#!/usr/bin/env bash
# One configuration's whole loop, chained by Slurm dependencies (afterok, --kill-on-invalid-dep=yes:
# a failed step cancels the steps after it):
#   1 self-play   slurm/selfplay.sbatch  -> $P/selfplay/dataset.h5, then a state pool $P/pool.h5
#   2 CMA-ES      slurm/cmaes.sbatch     -> $P/cmaes/profile.json, its games starting from that pool
#   3 training    slurm/train_gpu.sbatch -> $P/train (checkpoints), the model in $P/models  (after 1)
#   4 evaluation  slurm/evaluate.sbatch  -> $P/evaluate*/evaluation.json                 (after 2, 3)
# where P = $RINGRIFT_RUNS/pipeline_<board>_<n>p. From the checkout:
#   bash slurm/pipeline.sh                                   # square8, 2 players
#   RINGRIFT_BOARD=hex8 RINGRIFT_PLAYERS=3 RINGRIFT_TRAIN=0 bash slurm/pipeline.sh
# It only submits (seconds), prints the job ids and writes them to $P/submitted.env. Every step is
# requeue-safe and resumes its own run directory, so submitting the pipeline again after a failure
# redoes only what is missing.
# What to edit: the step configs, or these knobs:
#   RINGRIFT_BOARD, RINGRIFT_PLAYERS   the configuration (default square8, 2)
#   RINGRIFT_SELFPLAY_CONFIG  default jobs/selfplay_<board>_<n>p.toml
#   RINGRIFT_CMAES_CONFIG     default jobs/profiles/<board>_<n>p.toml
#   RINGRIFT_TRAIN_CONFIG     default jobs/train_<board>_<n>p.toml; RINGRIFT_TRAIN=0 skips steps 3 and
#                             the model's match (no GPU queue, or no training config for the board yet)
#   RINGRIFT_EVAL_GAMES       games per opponent in the matches (default 400)
#   RINGRIFT_SELFPLAY_SBATCH, RINGRIFT_CMAES_SBATCH, RINGRIFT_TRAIN_SBATCH, RINGRIFT_EVAL_SBATCH
#                             extra sbatch arguments per step (e.g. "--ntasks=192 --partition=cpu")
#   and slurm/lib.sh's: RINGRIFT_LAUNCH, RINGRIFT_VENV, RINGRIFT_RUNS, RINGRIFT_LOGS, ...
set -uo pipefail
HERE=${RINGRIFT_HOME:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck disable=SC1091
source "$HERE/slurm/lib.sh" 2>/dev/null \
    || { echo "error: $HERE/slurm/lib.sh not found: run from the ringrift-mpi checkout or set RINGRIFT_HOME" >&2; exit 2; }
RINGRIFT_HOME=$HERE
rr_setup
B=${RINGRIFT_BOARD:-square8}
N=${RINGRIFT_PLAYERS:-2}
SP=${RINGRIFT_SELFPLAY_CONFIG:-jobs/selfplay_${B}_${N}p.toml}
CM=${RINGRIFT_CMAES_CONFIG:-jobs/profiles/${B}_${N}p.toml}
TR=${RINGRIFT_TRAIN_CONFIG:-jobs/train_${B}_${N}p.toml}
TRAIN=${RINGRIFT_TRAIN:-1}
GAMES=${RINGRIFT_EVAL_GAMES:-400}
for f in "$SP" "$CM"; do [ -f "$f" ] || rr_die "$f: no such config"; done
if [ "$TRAIN" != 0 ] && [ ! -f "$TR" ]; then
    rr_die "$TR: no such training config (set RINGRIFT_TRAIN_CONFIG, or RINGRIFT_TRAIN=0 to skip training)"
fi
P=$RINGRIFT_RUNS/pipeline_${B}_${N}p
LOGS=${RINGRIFT_LOGS:-$RINGRIFT_HOME/logs}
mkdir -p "$P" "$LOGS" || rr_die "cannot create $P or $LOGS"
abs() { case $1 in /*) echo "$1" ;; *) echo "$RINGRIFT_HOME/$1" ;; esac; }

# a step: sbatch with the common settings; $1 = dependency ("" for none), $2 = extra sbatch args,
# $3 = exported variables, then the script
step() {
    local dep=$1 extra=$2 vars=$3 script=$4 id
    # shellcheck disable=SC2086
    id=$(sbatch --parsable --chdir="$RINGRIFT_HOME" --output="$LOGS/%x_%A_%a.out" \
         --export="ALL,RINGRIFT_HOME=$RINGRIFT_HOME,RINGRIFT_RUNS=$RINGRIFT_RUNS,$vars" \
         ${dep:+--dependency=afterok:$dep --kill-on-invalid-dep=yes} $extra "$RINGRIFT_HOME/slurm/$script") \
        || rr_die "submitting $script failed"
    echo "${id%%;*}"
}
unset RINGRIFT_MATRIX
sp=$(step "" "${RINGRIFT_SELFPLAY_SBATCH:-}" \
     "RINGRIFT_JOB_CONFIG=$(abs "$SP"),RINGRIFT_JOB_RUNDIR=$P/selfplay,RINGRIFT_POOL_OUT=$P/pool.h5" selfplay.sbatch)
cm=$(step "$sp" "${RINGRIFT_CMAES_SBATCH:-}" \
     "RINGRIFT_JOB_CONFIG=$(abs "$CM"),RINGRIFT_JOB_RUNDIR=$P/cmaes,RINGRIFT_JOB_ARGS=--state-pool $P/pool.h5" cmaes.sbatch)
ev_args="--config $(abs "$CM") --games $GAMES"
ev=$(step "$cm" "${RINGRIFT_EVAL_SBATCH:-}" \
     "RINGRIFT_EVAL_A=$P/cmaes/profile.json,RINGRIFT_EVAL_VS=default,RINGRIFT_JOB_RUNDIR=$P/evaluate,RINGRIFT_JOB_ARGS=$ev_args" \
     evaluate.sbatch)
tr="" evm=""
if [ "$TRAIN" != 0 ]; then
    tr=$(step "$sp" "${RINGRIFT_TRAIN_SBATCH:-}" \
         "RINGRIFT_JOB_CONFIG=$(abs "$TR"),RINGRIFT_JOB_RUNDIR=$P/train,RINGRIFT_JOB_ARGS=--data $P/selfplay/dataset.h5 --models-dir $P/models" \
         train_gpu.sbatch)
    evm=$(step "$cm:$tr" "${RINGRIFT_EVAL_SBATCH:-}" \
          "RINGRIFT_EVAL_A=model:$P/models/${B}_${N}p/latest,RINGRIFT_EVAL_VS=random default $P/cmaes/profile.json,RINGRIFT_JOB_RUNDIR=$P/evaluate_model,RINGRIFT_JOB_ARGS=$ev_args" \
          evaluate.sbatch)
fi
printf 'SELFPLAY_JOB=%s\nCMAES_JOB=%s\nEVAL_JOB=%s\nTRAIN_JOB=%s\nEVAL_MODEL_JOB=%s\n' "$sp" "$cm" "$ev" "$tr" "$evm" \
    > "$P/submitted.env.tmp" && mv "$P/submitted.env.tmp" "$P/submitted.env"
rr_log "pipeline $B ${N}p in $P: self-play $sp -> CMA-ES $cm -> match $ev${tr:+; training $tr (after $sp) -> match $evm}"
