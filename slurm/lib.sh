# Shared by every slurm/*.sbatch script (sourced, not run). Knobs, all environment variables
# (sbatch exports the submitting shell's environment by default):
#
#   RINGRIFT_HOME      the project checkout (default: the folder sbatch was called from)
#   RINGRIFT_VENV      a virtual environment to activate (default: none, use `python` on PATH;
#                      the ParallelCluster bootstrap makes /fsx/ringrift/venv)
#   RINGRIFT_RUNS      where run directories go (default $RINGRIFT_HOME/runs; /fsx/ringrift/runs on AWS)
#   RINGRIFT_LAUNCH    how ranks start: pmix (default: srun --mpi=pmix, ParallelCluster's Slurm with
#                      the cluster's Open MPI), pmi2 (srun --mpi=pmi2: the MPICH wheel under Slurm),
#                      mpiexec (mpiexec -n $SLURM_NTASKS: the MPICH wheel's Hydra, which starts its
#                      proxies through srun)
#   RINGRIFT_SRUN_ARGS extra srun arguments for the job step (e.g. --cpu-bind=cores)
#   RINGRIFT_NUMBA_CACHE  numba's on-disk cache; default /scratch/$USER/numba-cache where /scratch
#                      exists (node-local disk on the cluster), else numba's own place (__pycache__);
#                      "default" = numba's own place always
#
# Open MPI's pip wheel (not the cluster's) under srun --mpi=pmix also needs PMIX_SECURITY_MODE=native.

rr_die() { echo "$(date '+%F %T') ${SLURM_JOB_NAME:-ringrift}: error: $*" >&2; exit 2; }
rr_log() { echo "$(date '+%F %T') ${SLURM_JOB_NAME:-ringrift}: $*"; }

rr_setup() {
    RINGRIFT_HOME=${RINGRIFT_HOME:-${SLURM_SUBMIT_DIR:-$PWD}}
    [ -f "$RINGRIFT_HOME/ringrift_mpi/matrix.py" ] \
        || rr_die "RINGRIFT_HOME=$RINGRIFT_HOME is not a ringrift-mpi checkout (submit from the checkout or set RINGRIFT_HOME)"
    cd "$RINGRIFT_HOME" || rr_die "cannot cd to $RINGRIFT_HOME"
    if [ -n "${RINGRIFT_VENV:-}" ]; then
        [ -f "$RINGRIFT_VENV/bin/activate" ] || rr_die "RINGRIFT_VENV=$RINGRIFT_VENV has no bin/activate"
        # shellcheck disable=SC1091
        source "$RINGRIFT_VENV/bin/activate"
    fi
    command -v python >/dev/null || rr_die "no python on PATH (activate the venv or set RINGRIFT_VENV)"
    python -c 'import ringrift_mpi' 2>/dev/null \
        || rr_die "$(command -v python) cannot import ringrift_mpi (pip install -e $RINGRIFT_HOME in that environment)"
    RINGRIFT_RUNS=${RINGRIFT_RUNS:-$RINGRIFT_HOME/runs}
    if [ -z "${RINGRIFT_NUMBA_CACHE:-}" ] && [ -d /scratch ] && [ -w /scratch ]; then
        RINGRIFT_NUMBA_CACHE=/scratch/${USER:-$(id -un)}/numba-cache
    fi
    if [ -n "${RINGRIFT_NUMBA_CACHE:-}" ] && [ "$RINGRIFT_NUMBA_CACHE" != default ]; then
        export NUMBA_CACHE_DIR=$RINGRIFT_NUMBA_CACHE
    fi
    RINGRIFT_LAUNCH=${RINGRIFT_LAUNCH:-pmix}
    case $RINGRIFT_LAUNCH in
        pmix|pmi2|mpiexec) ;;
        *) rr_die "RINGRIFT_LAUNCH=$RINGRIFT_LAUNCH: expected pmix, pmi2 or mpiexec" ;;
    esac
    export RINGRIFT_HOME RINGRIFT_RUNS
}

# Start "$@" as the job's MPI ranks ($SLURM_NTASKS of them), with the chosen launcher.
rr_mpi_cmd() {
    # the job checks its world against this: srun --mpi=none or a PMI mismatch would start
    # N single-rank jobs on the same run directory
    export RINGRIFT_WORLD_SIZE=${SLURM_NTASKS:-1}
    case $RINGRIFT_LAUNCH in
        # shellcheck disable=SC2086
        pmix|pmi2) RR_CMD=(srun --mpi="$RINGRIFT_LAUNCH" --kill-on-bad-exit=1 ${RINGRIFT_SRUN_ARGS:-} "$@") ;;
        mpiexec) RR_CMD=(mpiexec -n "$RINGRIFT_WORLD_SIZE" "$@") ;;
    esac
}

# When numba's cache is node-local, one process per node fills it before the ranks start, so
# the ranks of a node load it instead of all compiling at once (and racing on the files).
rr_warm_numba() {
    [ -n "${NUMBA_CACHE_DIR:-}" ] || return 0
    local nodes=${SLURM_JOB_NUM_NODES:-1}
    rr_log "warming numba's cache in $NUMBA_CACHE_DIR on $nodes node(s)"
    srun --mpi=none --nodes="$nodes" --ntasks="$nodes" --ntasks-per-node=1 \
        python -m ringrift_mpi.doctor --warm || rr_die "numba warm-up failed"
}

# Run "$@" in the background and forward USR1 and TERM from this batch shell to it: Slurm's
# `--signal=B:USR1@N` reaches the batch shell only. `wait` returns early when a trapped signal
# arrives, so wait again until the child has really ended; RR_STATUS is its exit status and
# RR_SIGNAL the signal this shell forwarded (empty if none).
rr_run_forwarding() {
    RR_SIGNAL=""
    "$@" &
    local pid=$!
    trap 'RR_SIGNAL=USR1; kill -USR1 '"$pid"' 2>/dev/null' USR1
    trap 'RR_SIGNAL=TERM; kill -TERM '"$pid"' 2>/dev/null' TERM
    while kill -0 "$pid" 2>/dev/null; do
        wait "$pid" 2>/dev/null
    done
    wait "$pid"
    RR_STATUS=$?
    trap - USR1 TERM
}

# Put this job back in the queue (its run directory and checkpoint stay; the next start resumes).
rr_requeue_self() {
    local id=${SLURM_ARRAY_JOB_ID:+${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}}
    id=${id:-$SLURM_JOB_ID}
    rr_log "requeueing $id to finish the run later"
    scontrol requeue "$id" || rr_die "scontrol requeue $id failed"
}

# The run directory of this task, written to RUN_DIR, for job JOB (cmaes | selfplay | train | ...):
#   an array task of a matrix ($RINGRIFT_MATRIX): $RINGRIFT_RUNS/<matrix>/<row>, its job.toml
#   written from the row (the same matrix always writes the same config, so a requeue resumes);
#   or one config ($RINGRIFT_JOB_CONFIG): $RINGRIFT_JOB_RUNDIR, default $RINGRIFT_RUNS/<config name>.
# RR_CONFIG is the config file the job is started with.
rr_run_dir() {
    local job=$1
    if [ -n "${RINGRIFT_JOB_CONFIG:-}" ]; then
        [ -f "$RINGRIFT_JOB_CONFIG" ] || rr_die "RINGRIFT_JOB_CONFIG=$RINGRIFT_JOB_CONFIG: no such file"
        RR_CONFIG=$RINGRIFT_JOB_CONFIG
        RUN_DIR=${RINGRIFT_JOB_RUNDIR:-$RINGRIFT_RUNS/$(basename "${RR_CONFIG%.toml}")}
        mkdir -p "$RUN_DIR" || rr_die "cannot create $RUN_DIR"
        return 0
    fi
    local matrix=${RINGRIFT_MATRIX:-} row=${SLURM_ARRAY_TASK_ID:-${RINGRIFT_ROW:-}}
    [ -n "$matrix" ] || rr_die "say what to run: RINGRIFT_JOB_CONFIG=FILE, or RINGRIFT_MATRIX=FILE with --array"
    [ -n "$row" ] || rr_die "not an array task: submit with --array (or set RINGRIFT_ROW)"
    local kind
    kind=$(python -m ringrift_mpi.matrix --matrix "$matrix" --job) || exit 2
    [ "$kind" = "$job" ] || rr_die "$matrix is a matrix of $kind runs, not $job: use slurm/$kind.sbatch"
    RUN_DIR=$(python -m ringrift_mpi.matrix --matrix "$matrix" --row "$row" --prepare "$RINGRIFT_RUNS") || exit 2
    RR_CONFIG=$RUN_DIR/job.toml
}

# After rr_run_forwarding: exit as Slurm should see it. A job stopped by the USR1 before the time
# limit has checkpointed (exit 0): requeue it; TERM (scancel, scontrol requeue, a node going
# away): Slurm decides; otherwise the job's own status.
rr_end() {
    case $RR_SIGNAL in
        USR1) [ "$RR_STATUS" = 0 ] && { rr_requeue_self; exit 0; } ;;
        TERM) exit "$RR_STATUS" ;;
    esac
    [ "$RR_STATUS" = 0 ] && rr_log "done: $RUN_DIR"
    exit "$RR_STATUS"
}
