#!/usr/bin/env bash
# Submit a whole training matrix: one CMA-ES job array (a task per row, slurm/cmaes.sbatch) and
# the merge job that runs after every task succeeded (slurm/merge.sbatch). From the checkout:
#   sbatch slurm/full_matrix.sh                          # jobs/matrix_full.toml
#   RINGRIFT_MATRIX=jobs/matrix_smoke.toml sbatch slurm/full_matrix.sh
#   bash slurm/full_matrix.sh --partition=cpu --time=6:00:00   # also works; extra args go to the array
# It runs for seconds (it only submits), prints the job ids and writes them to
# $RINGRIFT_RUNS/<matrix>/submitted-<id>.env. What to edit: the matrix (jobs/*.toml), the array's
# resources in slurm/cmaes.sbatch, or these environment knobs:
#   RINGRIFT_MATRIX       the matrix file (default jobs/matrix_full.toml)
#   RINGRIFT_NTASKS       ranks per row, overriding cmaes.sbatch's --ntasks
#   RINGRIFT_ARRAY_LIMIT  at most this many rows at once (--array=0-N%LIMIT)
#   RINGRIFT_LOGS         log folder (default $RINGRIFT_HOME/logs)
#   and slurm/lib.sh's: RINGRIFT_LAUNCH (pmix | pmi2 | mpiexec), RINGRIFT_VENV, RINGRIFT_RUNS, ...
#SBATCH --job-name=rr-submit
#SBATCH --ntasks=1
#SBATCH --time=00:10:00
#SBATCH --requeue
#SBATCH --signal=B:USR1@30
#SBATCH --output=logs/%x_%A_%a.out
#SBATCH --open-mode=append
set -uo pipefail
if [ -n "${SLURM_JOB_ID:-}" ]; then HERE=${RINGRIFT_HOME:-${SLURM_SUBMIT_DIR:-.}}
else HERE=${RINGRIFT_HOME:-$(cd "$(dirname "$0")/.." && pwd)}; fi
# shellcheck disable=SC1091
source "$HERE/slurm/lib.sh" 2>/dev/null \
    || { echo "error: $HERE/slurm/lib.sh not found: run from the ringrift-mpi checkout or set RINGRIFT_HOME" >&2; exit 2; }
# the matrix as given, relative to where this was started (else to the checkout); the jobs get
# its absolute path, since they run in RINGRIFT_HOME
MATRIX=${RINGRIFT_MATRIX:-jobs/matrix_full.toml}
[ -e "$MATRIX" ] || [ ! -e "$HERE/$MATRIX" ] || MATRIX=$HERE/$MATRIX
[ -e "$MATRIX" ] && MATRIX=$(cd "$(dirname "$MATRIX")" && pwd)/$(basename "$MATRIX")
RINGRIFT_HOME=$HERE
rr_setup
trap 'rr_log "USR1: nothing to save (this job only submits)"' USR1
N=$(python -m ringrift_mpi.matrix --matrix "$MATRIX" --count) || exit 2
NAME=$(python -m ringrift_mpi.matrix --matrix "$MATRIX" --name) || exit 2
LOGS=${RINGRIFT_LOGS:-$RINGRIFT_HOME/logs}
mkdir -p "$LOGS" "$RINGRIFT_RUNS/$NAME" || rr_die "cannot create $LOGS or $RINGRIFT_RUNS/$NAME"

# a requeued submitter must not submit the matrix twice
MARK=$RINGRIFT_RUNS/$NAME/submitted-${SLURM_JOB_ID:-$$}.env
if [ -n "${SLURM_JOB_ID:-}" ] && [ -s "$MARK" ]; then
    rr_log "already submitted by this job: $(tr '\n' ' ' < "$MARK")"; exit 0
fi

common=(--parsable --chdir="$RINGRIFT_HOME"
        --export="ALL,RINGRIFT_HOME=$RINGRIFT_HOME,RINGRIFT_MATRIX=$MATRIX,RINGRIFT_RUNS=$RINGRIFT_RUNS")
array=$(sbatch "${common[@]}" --array="0-$((N - 1))${RINGRIFT_ARRAY_LIMIT:+%$RINGRIFT_ARRAY_LIMIT}" \
        ${RINGRIFT_NTASKS:+--ntasks=$RINGRIFT_NTASKS} --output="$LOGS/%x_%A_%a.out" "$@" \
        "$RINGRIFT_HOME/slurm/cmaes.sbatch") || rr_die "submitting the array failed"
array=${array%%;*}
merge=$(sbatch "${common[@]}" --dependency="afterok:$array" --kill-on-invalid-dep=yes \
        --output="$LOGS/%x_%A_%a.out" "$RINGRIFT_HOME/slurm/merge.sbatch") || rr_die "submitting the merge failed"
merge=${merge%%;*}
printf 'MATRIX=%s\nARRAY_JOB=%s\nMERGE_JOB=%s\nROWS=%s\n' "$MATRIX" "$array" "$merge" "$N" > "$MARK.tmp" && mv "$MARK.tmp" "$MARK"
rr_log "matrix $NAME: $N rows as array job $array, merge job $merge (afterok);" \
       "profiles -> $RINGRIFT_RUNS/$NAME/trained_heuristic_profiles.json; logs in $LOGS"
