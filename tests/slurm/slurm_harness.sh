# Sourced by tests/slurm/test_slurm.sh: a private single-node Slurm cluster (munged + slurmctld + slurmd) on
# this machine, from Debian's packages, with every file (config, key, socket, state, spool, logs, pids) in a
# temporary directory. It never touches /etc/slurm, /etc/munge or any daemon it did not start.
#
#   slurm_harness_start        sets SLURM_CONF, SLURM_HARNESS_DIR; returns non-zero (with a message) on failure
#   slurm_harness_stop         stops the daemons it started (by PID) and removes its directory; idempotent
#   slurm_harness_wait_job ID [TIMEOUT]   waits until job ID is finished; prints its final state
#   slurm_harness_logs         prints the daemon logs (for diagnosis)
#
# Needs root (SlurmUser=root, SlurmdUser=root). Installs slurm-wlm and munge with apt-get if they are missing.

SLURM_HARNESS_DIR=""
SLURM_HARNESS_PIDS=()

_sh_log() { echo "[slurm-harness] $*" >&2; }

_sh_ensure_packages() {
  local missing=0 p
  for p in munged slurmctld slurmd sbatch sinfo scontrol; do
    command -v "$p" >/dev/null 2>&1 || [[ -x /usr/sbin/$p ]] || missing=1
  done
  ((missing == 0)) && return 0
  _sh_log "slurm-wlm/munge missing: installing them with apt-get"
  if ! command -v apt-get >/dev/null 2>&1; then
    _sh_log "no apt-get: cannot install slurm-wlm and munge"
    return 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge >"${TMPDIR:-/tmp}/slurm-harness-apt.log" 2>&1 ||
    { apt-get update >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge >>"${TMPDIR:-/tmp}/slurm-harness-apt.log" 2>&1; } ||
    { _sh_log "apt-get install slurm-wlm munge failed (log: ${TMPDIR:-/tmp}/slurm-harness-apt.log)"; return 1; }
}

# A TCP port nobody listens on, so that two harnesses (or a system Slurm) do not collide.
_sh_free_port() {
  local p i
  for ((i = 0; i < 50; i++)); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

slurm_harness_start() {
  if [[ $(id -u) -ne 0 ]]; then
    _sh_log "must run as root (the private cluster uses SlurmUser=root)"
    return 1
  fi
  _sh_ensure_packages || return 1
  export PATH="$PATH:/usr/sbin:/sbin"
  local d
  d=$(mktemp -d "${TMPDIR:-/tmp}/fasim-slurm.XXXXXX") || return 1
  chmod 755 "$d"
  SLURM_HARNESS_DIR=$d
  mkdir -p "$d/munge" "$d/state" "$d/spool" "$d/log" "$d/run" "$d/work"
  chmod 700 "$d/munge"

  # munge with its own key and socket.
  dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$d/munge/munge.key"
  munged -F --force --socket="$d/munge/munge.sock" --key-file="$d/munge/munge.key" \
    --pid-file="$d/run/munged.pid" --log-file="$d/log/munged.log" --seed-file="$d/munge/munged.seed" \
    >>"$d/log/munged.out" 2>&1 &
  SLURM_HARNESS_PIDS+=($!)
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -S $d/munge/munge.sock ]] && break
    sleep 0.1
  done
  if [[ ! -S $d/munge/munge.sock ]] || ! munge -n -S "$d/munge/munge.sock" | unmunge -S "$d/munge/munge.sock" >/dev/null 2>&1; then
    _sh_log "munged did not start:"
    cat "$d/log/munged.out" "$d/log/munged.log" >&2 2>/dev/null
    return 1
  fi

  local host cpus ctl_port d_port
  host=$(hostname -s)
  # Not nproc: it honours OMP_NUM_THREADS (ctest sets 1), and a 1-CPU node could never run a 2-rank job.
  cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc --all)
  ctl_port=$(_sh_free_port) && d_port=$(_sh_free_port) || { _sh_log "no free TCP port"; return 1; }
  [[ $d_port != "$ctl_port" ]] || d_port=$((ctl_port + 1))
  : >"$d/plugstack.conf"
  # cred_expire also sets how long a requeued job waits before it may start again (default 120 s).
  cat >"$d/slurm.conf" <<EOF
ClusterName=fasimtest
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=${ctl_port}
SlurmdPort=${d_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${d}/munge/munge.sock,cred_expire=10
StateSaveLocation=${d}/state
SlurmdSpoolDir=${d}/spool
SlurmctldPidFile=${d}/run/slurmctld.pid
SlurmdPidFile=${d}/run/slurmd.pid
SlurmctldLogFile=${d}/log/slurmctld.log
SlurmdLogFile=${d}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=${d}/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobRequeue=1
MinJobAge=900
KillWait=10
SchedulerParameters=sched_interval=2
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$d/slurm.conf"

  slurmctld -D -i -f "$SLURM_CONF" >>"$d/log/slurmctld.out" 2>&1 &
  SLURM_HARNESS_PIDS+=($!)
  slurmd -D -f "$SLURM_CONF" -N "$host" >>"$d/log/slurmd.out" 2>&1 &
  SLURM_HARNESS_PIDS+=($!)

  local state=""
  for ((i = 0; i < 60; i++)); do
    state=$(sinfo -h -N -n "$host" -o '%T' 2>/dev/null | head -1)
    [[ $state == idle ]] && break
    local pid
    for pid in "${SLURM_HARNESS_PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null || { _sh_log "a daemon (pid $pid) exited during start-up"; break 2; }
    done
    sleep 1
  done
  if [[ $state != idle ]]; then
    _sh_log "node $host did not become idle (state '${state:-none}'); daemon logs follow"
    slurm_harness_logs
    return 1
  fi
  _sh_log "cluster up in $d: node $host, $cpus CPUs, slurmctld port $ctl_port"
}

slurm_harness_logs() {
  [[ -n $SLURM_HARNESS_DIR && -d $SLURM_HARNESS_DIR/log ]] || return 0
  local f
  for f in "$SLURM_HARNESS_DIR"/log/*; do
    [[ -s $f ]] || continue
    echo "----- $f (last 30 lines)" >&2
    tail -n 30 "$f" >&2
  done
}

slurm_harness_stop() {
  local pid i
  # Cancel whatever is left, then stop the daemons (slurmd, slurmctld, munged: the reverse of start order).
  if [[ -n ${SLURM_CONF:-} && ${#SLURM_HARNESS_PIDS[@]} -gt 0 ]]; then
    timeout 10 scancel --quiet --user=root >/dev/null 2>&1 || true
    for ((i = 0; i < 30; i++)); do
      [[ -z $(timeout 5 squeue -h -t RUNNING,COMPLETING,PENDING -o %i 2>/dev/null) ]] && break
      sleep 1
    done
  fi
  for ((i = ${#SLURM_HARNESS_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${SLURM_HARNESS_PIDS[i]}
    kill -TERM "$pid" 2>/dev/null || continue
    local t
    for ((t = 0; t < 50; t++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  SLURM_HARNESS_PIDS=()
  if [[ -n $SLURM_HARNESS_DIR && -d $SLURM_HARNESS_DIR ]]; then
    rm -rf "$SLURM_HARNESS_DIR"
  fi
  SLURM_HARNESS_DIR=""
}

# Prints the job's final state (COMPLETED, FAILED, ...) once it has no more chance to run; "TIMEOUT-WAITING"
# if TIMEOUT seconds pass first. A requeued job (PENDING again) is still waited for.
slurm_harness_wait_job() {
  local id=$1 limit=${2:-300} t state
  local info reason
  for ((t = 0; t < limit; t++)); do
    info=$(scontrol -o show job "$id" 2>/dev/null)
    state=$(grep -o 'JobState=[A-Z_]*' <<<"$info" | head -1 | cut -d= -f2)
    reason=$(grep -o ' Reason=[A-Za-z_]*' <<<"$info" | head -1 | cut -d= -f2)
    # A job this cluster can never run: say so now rather than at the timeout.
    case $reason in
      PartitionConfig | PartitionNodeLimit | BadConstraints | ReqNodeNotAvail | Resources_Unavailable)
        echo "UNSCHEDULABLE-$reason"
        return 0
        ;;
    esac
    case $state in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
        echo "$state"
        return 0
        ;;
    esac
    sleep 1
  done
  echo "TIMEOUT-WAITING"
}
