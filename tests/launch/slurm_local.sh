#!/usr/bin/env bash
# A real single-node Slurm for the launcher tests (tests/launch/), started and stopped by tests/run.sh.
#
#   bash tests/launch/slurm_local.sh up DIR     # install (as root, apt), start munged + slurmctld + slurmd
#   bash tests/launch/slurm_local.sh down DIR   # stop the daemons started by `up` (by their pid files)
#
# Everything (config, keys, state, spool, logs, pid files) lives under DIR. `up` always exits 0:
# it writes DIR/env (shell exports: SLURM_CONF, ...) when Slurm is running, or DIR/skip with one
# line saying why it cannot run here (not root, no apt-get, install failed, daemons did not start);
# the tests read those files (RINGRIFT_TEST_SLURM=DIR) and skip with that reason.
set -uo pipefail

cmd=${1:-}; dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
    echo "usage: $0 up|down DIR" >&2; exit 2
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

log() { echo "slurm_local: $*"; }
skip() { echo "$*" > "$dir/skip"; rm -f "$dir/env"; log "skipping the Slurm tests: $*"; exit 0; }

stop_pidfile() {  # the daemons we started, by pid file only (never by name)
    local f=$1 pid
    [ -s "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

if [ "$cmd" = down ]; then
    # jobs first, so no slurmstepd outlives its slurmd
    if [ -s "$dir/env" ]; then
        # shellcheck disable=SC1091
        ( source "$dir/env"; scancel --quiet --user=root 2>/dev/null; sleep 1 ) || true
    fi
    stop_pidfile "$dir/run/slurmd.pid"
    stop_pidfile "$dir/run/slurmctld.pid"
    stop_pidfile "$dir/run/munged.pid"
    rm -f "$dir/env"
    log "stopped (state kept in $dir)"
    exit 0
fi
[ "$cmd" = up ] || { echo "usage: $0 up|down DIR" >&2; exit 2; }
rm -f "$dir/skip" "$dir/env"

# --- install -------------------------------------------------------------------------------------
PKGS="slurmctld slurmd slurm-client munge libpmix-dev hdf5-tools"
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
missing=""
for b in slurmctld slurmd sbatch munged mungekey; do have "$b" || missing="$missing $b"; done
# libpmix-dev must be there before slurmd first starts, or `srun --mpi=pmix` steps hang
[ -e /usr/lib/x86_64-linux-gnu/libpmix.so ] || ls /usr/lib/*/libpmix.so >/dev/null 2>&1 || missing="$missing libpmix"
if [ -n "$missing" ]; then
    [ "$(id -u)" = 0 ] || skip "Slurm is not installed (missing:$missing) and installing it needs root (apt-get install $PKGS)"
    command -v apt-get >/dev/null 2>&1 || skip "Slurm is not installed (missing:$missing) and there is no apt-get to install it"
    log "installing $PKGS (apt-get)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PKGS; } \
            > "$dir/apt.log" 2>&1; then
        skip "apt-get install $PKGS failed: $(tail -n 1 "$dir/apt.log")"
    fi
fi
[ "$(id -u)" = 0 ] || skip "starting slurmctld/slurmd as configured here (SlurmUser=root) needs root"
SBIN=/usr/sbin
export PATH="$PATH:$SBIN"

# --- munge (the key and socket are ours, under DIR) -------------------------------------------------
mkdir -p "$dir/munge" "$dir/run" "$dir/log" "$dir/ctld" "$dir/spool"
chmod 0755 "$dir"
chown munge:munge "$dir/munge" 2>/dev/null || skip "no 'munge' user (the munge package did not install it)"
runuser -u munge -- test -x "$dir/munge" 2>/dev/null \
    || skip "user munge cannot reach $dir/munge: a folder above it is not searchable by others (chmod o+x)"
# munged wants its socket folder reachable by all (clients: the Slurm daemons and job users)
chmod 0711 "$dir/munge"
if [ ! -s "$dir/munge/munge.key" ]; then
    mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 \
        || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chown munge:munge "$dir/munge/munge.key"; chmod 0400 "$dir/munge/munge.key"
fi
sock="$dir/munge/munge.socket"
runuser -u munge -- "$SBIN/munged" --socket="$sock" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" >"$dir/log/munged.out" 2>&1 \
    || skip "munged did not start: $(tail -n 1 "$dir/log/munged.out")"
cp "$dir/munge/munged.pid" "$dir/run/munged.pid" 2>/dev/null || true

# --- slurm.conf -------------------------------------------------------------------------------------
host=$(hostname -s)
cpus=$(nproc)
read -r ctld_port d_port < <(python3 - <<'PY'
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))
PY
)
cat > "$dir/slurm.conf" <<CONF
# written by tests/launch/slurm_local.sh: a single-node Slurm for the tests, all state under $dir
ClusterName=ringrift-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
JobRequeue=1
ReturnToService=2
SchedulerParameters=sched_min_interval=0,batch_sched_delay=0
SlurmdParameters=config_overrides
KillWait=10
InactiveLimit=0
MinJobAge=3600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
echo "# empty: no cgroups in these tests" > "$dir/cgroup.conf"
export SLURM_CONF="$dir/slurm.conf"

"$SBIN/slurmctld" -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 \
    || skip "slurmctld did not start: $(tail -n 1 "$dir/log/slurmctld.log" 2>/dev/null)"
"$SBIN/slurmd" -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 \
    || skip "slurmd did not start: $(tail -n 1 "$dir/log/slurmd.log" 2>/dev/null)"

state=""
for _ in $(seq 150); do
    state=$(sinfo -h -N -o '%T' 2>/dev/null | head -n 1)
    [ "$state" = idle ] && break
    sleep 0.2
done
if [ "$state" != idle ]; then
    "$0" down "$dir" >/dev/null 2>&1
    skip "Slurm did not reach idle in 30 s (node state '${state:-none}'; logs in $dir/log)"
fi
cat > "$dir/env" <<ENV
export SLURM_CONF=$SLURM_CONF
export PATH="\$PATH:$SBIN"
ENV
log "running: $(sinfo -h -o '%P %D %C %T' | head -n 1) (SLURM_CONF=$SLURM_CONF)"
