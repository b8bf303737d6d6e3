#!/usr/bin/env bash
# ParallelCluster OnNodeConfigured action for ringrift-mpi (runs as root on every node at boot;
# see cluster-config.yaml). Upload it: aws s3 cp aws-parallelcluster/on_node_configured.sh s3://BUCKET/ringrift/
#
# Head node: Python 3.11, the project checkout at /fsx/ringrift/src (cloned from $1 unless already
# there), and ONE virtual environment on shared storage, /fsx/ringrift/venv, used by every node:
# mpi4py is built from source against the cluster's Open MPI (/opt/amazon/openmpi; srun --mpi=pmix
# starts its ranks), never the PyPI MPI wheels (no PMIx in the MPICH wheel, no EFA/CUDA in the
# Open MPI wheel), so the project is installed without its [mpich] extra.
# Compute nodes: Python 3.11 (the venv's interpreter), /scratch (node-local: instance store where
# the type has one, else the root EBS volume) with a world-writable numba cache folder; the
# sbatch scripts point NUMBA_CACHE_DIR there and warm it with one process per node.
#
# What to edit: ROOT (shared folder), PY (interpreter package), the MPI prefix if yours differs.
set -euo pipefail
REPO_URL=${1:-}
ROOT=${RINGRIFT_ROOT:-/fsx/ringrift}
PY=python3.11
MPI_PREFIX=${RINGRIFT_MPI_PREFIX:-/opt/amazon/openmpi}
LOG=/var/log/ringrift-bootstrap.log
exec > >(tee -a "$LOG") 2>&1
echo "$(date '+%F %T') ringrift bootstrap on $(hostname)"

# shellcheck disable=SC1091
. /etc/parallelcluster/cfnconfig   # cfn_node_type=HeadNode | ComputeFleet
NODE_TYPE=${cfn_node_type:-ComputeFleet}

command -v "$PY" >/dev/null || dnf install -y -q "$PY" "$PY-devel" "$PY-pip" gcc git

mkdir -p /scratch
chmod 1777 /scratch

if [ "$NODE_TYPE" = HeadNode ]; then
    mkdir -p "$ROOT" "$ROOT/runs" "$ROOT/logs"
    chmod 1777 "$ROOT/runs" "$ROOT/logs"
    if [ ! -d "$ROOT/src/.git" ] && [ ! -f "$ROOT/src/setup.cfg" ]; then
        [ -n "$REPO_URL" ] || { echo "no $ROOT/src and no repository URL argument"; exit 1; }
        git clone --depth 1 "$REPO_URL" "$ROOT/src"
    fi
    if [ ! -x "$ROOT/venv/bin/python" ]; then
        "$PY" -m venv "$ROOT/venv"
        "$ROOT/venv/bin/pip" install -q --upgrade pip wheel
        # mpi4py against the cluster's MPI: its mpicc, from source
        env MPICC="$MPI_PREFIX/bin/mpicc" "$ROOT/venv/bin/pip" install -q --no-binary=mpi4py --no-cache-dir mpi4py
        "$ROOT/venv/bin/pip" install -q -e "$ROOT/src"
    fi
    "$ROOT/venv/bin/python" -c 'from mpi4py import MPI; print("mpi4py on", MPI.Get_library_version().splitlines()[0])'
    # compile the kernels once on the head node (numba's default cache, beside the source on /fsx):
    # a node whose /scratch cache is cold still loads nothing from here, but import errors show now
    "$ROOT/venv/bin/python" -m ringrift_mpi.doctor --warm
    # the cluster's default user (ec2-user on Amazon Linux) owns the checkout and the venv
    OWNER=${cfn_cluster_user:-ec2-user}
    id "$OWNER" >/dev/null 2>&1 && chown -R "$OWNER:" "$ROOT/src" "$ROOT/venv"
fi
echo "$(date '+%F %T') ringrift bootstrap done ($NODE_TYPE)"
