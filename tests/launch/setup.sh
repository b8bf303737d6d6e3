#!/usr/bin/env bash
# Test set-up for tests/launch, called by tests/run.sh around the whole suite:
#
#   bash tests/launch/setup.sh up DIR     # Slurm (DIR/slurm, tests/launch/slurm_local.sh) and, in the
#                                         # background, a venv with aws-parallelcluster (DIR/pcluster)
#   bash tests/launch/setup.sh down DIR   # stop the daemons and the install, if still running
#
# Always exits 0: what cannot be set up leaves a `skip` file with the reason, and the tests skip.
# The tests find it all through RINGRIFT_TEST_SLURM=DIR/slurm and RINGRIFT_TEST_PCLUSTER=DIR/pcluster.
# DIR/pcluster/interpreter names that venv's python once it is ready.
# RINGRIFT_PCLUSTER_VENV=PATH reuses an existing venv that has aws-parallelcluster (no install).
set -uo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 up|down DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir/pcluster"
dir=$(cd "$dir" && pwd)
chmod 0755 "$dir"  # mktemp -d makes it 0700: munged runs as user munge and must reach its files below
pc=$dir/pcluster

if [ "$cmd" = down ]; then
    bash "$here/slurm_local.sh" down "$dir/slurm"
    if [ -s "$pc/install.pid" ]; then
        pid=$(cat "$pc/install.pid")
        kill -0 "$pid" 2>/dev/null && kill -- "-$pid" 2>/dev/null
        rm -f "$pc/install.pid"
    fi
    exit 0
fi
[ "$cmd" = up ] || { echo "usage: $0 up|down DIR" >&2; exit 2; }

bash "$here/slurm_local.sh" up "$dir/slurm"

# aws-parallelcluster pins its own boto3/marshmallow/...: its own venv, not the project's
rm -f "$pc/interpreter" "$pc/skip"
if [ -n "${RINGRIFT_PCLUSTER_VENV:-}" ]; then
    if [ -x "$RINGRIFT_PCLUSTER_VENV/bin/python" ]; then
        echo "$RINGRIFT_PCLUSTER_VENV/bin/python" > "$pc/interpreter"
    else
        echo "RINGRIFT_PCLUSTER_VENV=$RINGRIFT_PCLUSTER_VENV has no bin/python" > "$pc/skip"
    fi
    exit 0
fi
py=$(command -v python3 || command -v python)
# in its own process group, so `down` can stop pip and its children together
setsid bash -c '
    pc=$1 py=$2
    if ! "$py" -m venv "$pc/venv" > "$pc/install.log" 2>&1; then
        echo "cannot create a venv for aws-parallelcluster: $(tail -n 1 "$pc/install.log")" > "$pc/skip"; exit 0
    fi
    if "$pc/venv/bin/pip" install -q aws-parallelcluster >> "$pc/install.log" 2>&1; then
        echo "$pc/venv/bin/python" > "$pc/interpreter.tmp" && mv "$pc/interpreter.tmp" "$pc/interpreter"
    else
        echo "pip install aws-parallelcluster failed: $(tail -n 1 "$pc/install.log")" > "$pc/skip"
    fi' _ "$pc" "$py" < /dev/null > /dev/null 2>&1 &
echo $! > "$pc/install.pid"
echo "setup: installing aws-parallelcluster into $pc/venv in the background"
