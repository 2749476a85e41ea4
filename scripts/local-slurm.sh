#!/usr/bin/env bash
# A real single-node SLURM cluster for xpm's integration tests (Debian/Ubuntu, no systemd).
#
#   scripts/local-slurm.sh [start]         install if needed, configure, start (idempotent)
#   scripts/local-slurm.sh stop [--purge]  cancel jobs, stop the daemons this script started;
#                                          --purge also drops accounting, state and config
#   scripts/local-slurm.sh status          what runs, and the node state (exit 1 if down)
#
# Daemons, in start order: munged, mariadbd + slurmdbd (accounting, for sacct), slurmctld,
# slurmd. Needs root (re-executes itself with sudo when available). Job ids keep counting
# across stop/start; only --purge resets them.
#
# Options (environment variables; a start with different values rewrites the configuration
# and restarts the SLURM daemons; stop and status need the same XPM_SLURM_DIR):
#   XPM_SLURM_DIR                 state, spool, logs, pid files   (default /tmp/xpm-slurm)
#   XPM_SLURM_CPUS                CPUs the node advertises        (default: the machine's)
#   XPM_SLURM_MEMORY_MB           node RealMemory                 (default: the machine's)
#   XPM_SLURM_GPUS                fake GPUs (gres/gpu), 0 = none  (default 2)
#   XPM_SLURM_KILL_INVALID_DEPEND 1: DependencyParameters=kill_invalid_depend, so a job whose
#                                 afterok parent failed is cancelled instead of pending
#                                 forever (default 0; same as the --kill-invalid-depend flag)
#   XPM_SLURM_EXTRA_CONF          lines appended to slurm.conf    (default none)
#   XPM_SLURM_TIMEOUT             seconds to wait for each daemon (default 60)
set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

SELF="$(readlink -f "${BASH_SOURCE[0]}")"
CONF_DIR=/etc/slurm
DIR="${XPM_SLURM_DIR:-/tmp/xpm-slurm}"
GPUS="${XPM_SLURM_GPUS:-2}"
KILL_INVALID_DEPEND="${XPM_SLURM_KILL_INVALID_DEPEND:-0}"
TIMEOUT="${XPM_SLURM_TIMEOUT:-60}"
NODE="$(hostname -s)"
CLUSTER=xpmcluster
PARTITION=debug
DB=slurm_acct_db
DB_USER=slurm
# MariaDB listens on its unix socket only (--skip-networking), so this password guards nothing
# reachable from outside the machine.
DB_PASS=xpm-local-slurm

STARTED_AT=$(date +%s.%N)
say() { printf 'local-slurm: %s\n' "$*"; }
fail() { printf 'local-slurm: error: %s\n' "$*" >&2; exit 1; }
since() { awk -v t0="$1" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f", t1 - t0 }'; }

# ---- processes: we only signal pids recorded in our own pid files, after checking the name ----

# recorded PIDFILE: the pid a pid file holds (empty if there is none).
recorded() { tr -cd '0-9' < "$1" 2>/dev/null || true; }

# alive PID NAME: PID is a live, non-zombie process whose comm is NAME.
alive() {
    [[ -n "$1" && "$(cat "/proc/$1/comm" 2>/dev/null)" == "$2" ]] || return 1
    [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]
}

# running PIDFILE NAME: the pid file names a live process called NAME.
running() { alive "$(recorded "$1")" "$2"; }

# halt PIDFILE NAME: SIGTERM, wait up to 30 s, then SIGKILL. Daemons delete their own pid
# file as they exit, so the pid is read once and watched through /proc.
halt() {
    local pid i
    pid="$(recorded "$1")"
    if ! alive "$pid" "$2"; then rm -f "$1"; return 0; fi
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do alive "$pid" "$2" || break; sleep 0.2; done
    if alive "$pid" "$2"; then
        say "$2 ($pid) ignored SIGTERM, killing it"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
    fi
    rm -f "$1"
    say "stopped $2 ($pid)"
}

# await SECONDS WHAT COMMAND...: retry COMMAND every 0.2 s until it succeeds or time runs out.
await() {
    local deadline=$(( $(date +%s) + $1 )) what="$2"
    shift 2
    until "$@" >/dev/null 2>&1; do
        if (( $(date +%s) >= deadline )); then say "gave up waiting for $what"; return 1; fi
        sleep 0.2
    done
}

log_tail() { [[ -r "$1" ]] && { say "end of $1:"; tail -n 20 "$1" >&2; }; return 0; }

# ---- install ----------------------------------------------------------------------------------

restore_after_install() {
    if [[ -e /usr/sbin/policy-rc.d.xpm ]]; then rm -f /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.xpm; fi
    if [[ -e /var/lib/man-db/auto-update.xpm ]]; then
        mv -f /var/lib/man-db/auto-update.xpm /var/lib/man-db/auto-update
    fi
}

install() {
    local missing=() cmd pkg
    for pair in munged:munge slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client \
                slurmdbd:slurmdbd mariadbd:mariadb-server; do
        cmd="${pair%%:*}" pkg="${pair##*:}"
        command -v "$cmd" >/dev/null || missing+=("$pkg")
    done
    if (( ${#missing[@]} == 0 )); then return 0; fi
    command -v apt-get >/dev/null || fail "missing ${missing[*]}, and no apt-get to install them"
    local t0 apt log="$DIR/log/apt.log"
    t0=$(date +%s.%N)
    say "installing ${missing[*]}"
    trap restore_after_install EXIT
    # Package scripts must not start daemons (there is no systemd; we start them ourselves).
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        : > /usr/sbin/policy-rc.d.xpm
    fi
    # The man-db trigger rebuilds the whole manual index: tens of seconds for nothing.
    if [[ -e /var/lib/man-db/auto-update ]]; then
        mv /var/lib/man-db/auto-update /var/lib/man-db/auto-update.xpm
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt=(apt-get -y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold
         -o Dpkg::Options::=--force-unsafe-io)
    apt-cache show slurmctld >/dev/null 2>&1 || "${apt[@]}" update >> "$log" 2>&1 || true
    if ! "${apt[@]}" install --no-install-recommends "${missing[@]}" >> "$log" 2>&1; then
        say "apt-get install failed; refreshing the package lists and retrying"
        "${apt[@]}" update >> "$log" 2>&1 || true
        "${apt[@]}" install --no-install-recommends "${missing[@]}" >> "$log" 2>&1 \
            || { restore_after_install; log_tail "$log"; fail "apt-get install failed (see $log)"; }
    fi
    restore_after_install
    trap - EXIT
    say "installed in $(since "$t0") s"
}

# ---- configuration ----------------------------------------------------------------------------

SLURM_CHANGED=0
DBD_CHANGED=0

# put FILE MODE TEXT: write TEXT to FILE unless it already holds it; true when written.
put() {
    if [[ -f "$1" && "$(cat "$1")" == "$3" ]]; then return 1; fi
    printf '%s\n' "$3" > "$1.new"
    chmod "$2" "$1.new"
    mv -f "$1.new" "$1"
}

configure() {
    mkdir -p "$CONF_DIR" "$DIR"/{state,spool,log,run,fakegpu}
    chmod 755 "$DIR" "$DIR/log"
    local probe cpus mem gres_node="" gres_conf="AutoDetect=off" extra="" i
    probe="$(slurmd -C 2>/dev/null | head -n1 || true)"
    cpus="${XPM_SLURM_CPUS:-$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<< "$probe")}"
    mem="${XPM_SLURM_MEMORY_MB:-$(sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p' <<< "$probe")}"
    [[ -n "$cpus" ]] || cpus="$(nproc)"
    [[ -n "$mem" ]] || mem=$(( $(awk '/^MemTotal/ {print $2}' /proc/meminfo) / 1024 ))
    if (( GPUS > 0 )); then
        # Fake GPUs: device nodes with /dev/null's numbers. Jobs get CUDA_VISIBLE_DEVICES.
        for ((i = 0; i < GPUS; i++)); do
            [[ -c "$DIR/fakegpu/gpu$i" ]] || mknod -m 666 "$DIR/fakegpu/gpu$i" c 1 3 2>/dev/null \
                || : > "$DIR/fakegpu/gpu$i"
        done
        gres_node=" Gres=gpu:$GPUS"
        gres_conf+=$'\n'"NodeName=$NODE Name=gpu File=$DIR/fakegpu/gpu[0-$((GPUS - 1))]"
    fi
    [[ "$KILL_INVALID_DEPEND" == 1 ]] && extra+=$'\n'"DependencyParameters=kill_invalid_depend"
    [[ -n "${XPM_SLURM_EXTRA_CONF:-}" ]] && extra+=$'\n'"$XPM_SLURM_EXTRA_CONF"

    put "$CONF_DIR/slurm.conf" 644 "# Written by xpm's scripts/local-slurm.sh; overwritten on each start.
ClusterName=$CLUSTER
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MailProg=/bin/true
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmdParameters=config_overrides
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$(( mem / cpus ))
EnforcePartLimits=ALL
KillWait=5
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageTRES=gres/gpu
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=2
JobAcctGatherParams=OverMemoryKill
GresTypes=gpu
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem$gres_node State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP$extra" && SLURM_CHANGED=1
    put "$CONF_DIR/gres.conf" 644 "$gres_conf" && SLURM_CHANGED=1
    put "$CONF_DIR/slurmdbd.conf" 600 "# Written by xpm's scripts/local-slurm.sh
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
LogFile=$DIR/log/slurmdbd.log
PidFile=$DIR/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=$DB_USER
StoragePass=$DB_PASS
StorageLoc=$DB" && DBD_CHANGED=1
    say "node $NODE: $cpus CPUs, ${mem} MB, $GPUS fake GPUs, kill_invalid_depend=$KILL_INVALID_DEPEND"
}

# ---- daemons ----------------------------------------------------------------------------------

munge_up() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
db_up() { mariadb-admin ping >/dev/null 2>&1; }
dbd_up() { sacctmgr -n list cluster >/dev/null 2>&1; }
ctld_up() { scontrol ping 2>/dev/null | grep -q 'is UP'; }
slurmd_up() { running "$DIR/run/slurmd.pid" slurmd; }
node_state() { sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n1; }
SLURMD_SINCE=0
# node_ready: idle (or busy) and, when we just started slurmd, registered by that slurmd.
node_ready() {
    [[ "$(node_state)" =~ ^(idle|mixed|allocated|completing)$ ]] || return 1
    (( SLURMD_SINCE == 0 )) && return 0
    local t
    t="$(scontrol show node "$NODE" | sed -n 's/.*SlurmdStartTime=\([^ ]*\).*/\1/p')"
    [[ -n "$t" ]] && (( $(date -d "$t" +%s 2>/dev/null || echo 0) >= SLURMD_SINCE - 1 ))
}

start_munge() {
    munge_up && return 0
    mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
    if [[ ! -s /etc/munge/munge.key ]]; then
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
    chmod 700 /etc/munge
    chmod 600 /etc/munge/munge.key
    chmod 755 /run/munge
    runuser -u munge -- munged --force
    await "$TIMEOUT" munged munge_up || { log_tail /var/log/munge/munged.log; fail "munged did not start"; }
    cp /run/munge/munged.pid "$DIR/run/munged.pid"
    say "munged started"
}

start_mariadb() {
    if ! db_up; then
        mkdir -p /run/mysqld
        chown mysql:mysql /run/mysqld
        if [[ ! -d /var/lib/mysql/mysql ]]; then
            mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db \
                > "$DIR/log/mariadb-install.log" 2>&1 \
                || { log_tail "$DIR/log/mariadb-install.log"; fail "mariadb-install-db failed"; }
        fi
        setsid mariadbd --user=mysql --skip-networking --skip-log-error \
            >> "$DIR/log/mariadb.log" 2>&1 < /dev/null &
        echo $! > "$DIR/run/mariadb.pid"
        await "$TIMEOUT" mariadbd db_up || { log_tail "$DIR/log/mariadb.log"; fail "mariadbd did not start"; }
        say "mariadbd started"
    fi
    mariadb -e "CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
                GRANT ALL ON \`$DB\`.* TO '$DB_USER'@'localhost';" \
        || fail "could not create the database user for slurmdbd"
}

# start_slurm NAME CHANGED READY: (re)start a SLURM daemon and wait until READY succeeds.
start_slurm() {
    local name="$1" changed="$2" ready="$3"
    if running "$DIR/run/$name.pid" "$name"; then
        (( changed )) || return 0
        say "configuration changed: restarting $name"
        halt "$DIR/run/$name.pid" "$name"
    elif [[ "$name" == slurmctld ]] && ctld_up; then
        fail "a slurmctld not started by this script is running; stop it first"
    fi
    [[ "$name" == slurmd ]] && SLURMD_SINCE=$(date +%s)
    "$name"
    await "$TIMEOUT" "$name" "$ready" || { log_tail "$DIR/log/$name.log"; fail "$name did not start"; }
    say "$name started"
}

do_start() {
    mkdir -p "$DIR/log"
    install
    configure
    start_munge
    start_mariadb
    start_slurm slurmdbd "$DBD_CHANGED" dbd_up
    start_slurm slurmctld "$SLURM_CHANGED" ctld_up
    start_slurm slurmd "$SLURM_CHANGED" slurmd_up
    if ! await "$TIMEOUT" "node $NODE" node_ready; then
        # A node left down or drained by an earlier run is resumed once.
        scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true
        await 15 "node $NODE after resume" node_ready \
            || { log_tail "$DIR/log/slurmd.log"; fail "node $NODE is '$(node_state)'"; }
    fi
    say "ready in $(since "$STARTED_AT") s: node $NODE is $(node_state), partition $PARTITION"
}

do_stop() {
    local jobs
    if running "$DIR/run/slurmctld.pid" slurmctld; then
        jobs="$(squeue -h -o %A 2>/dev/null | tr '\n' ' ')"
        if [[ -n "${jobs// /}" ]]; then
            say "cancelling jobs $jobs"
            # shellcheck disable=SC2086
            scancel $jobs 2>/dev/null || true
            await 30 "jobs to end" bash -c '[[ -z "$(squeue -h -o %A)" ]]' || true
        fi
    fi
    halt "$DIR/run/slurmd.pid" slurmd
    halt "$DIR/run/slurmctld.pid" slurmctld
    halt "$DIR/run/slurmdbd.pid" slurmdbd
    if [[ "${1:-}" == --purge ]] && db_up; then
        mariadb -e "DROP DATABASE IF EXISTS \`$DB\`;"
    fi
    halt "$DIR/run/mariadb.pid" mariadbd
    halt "$DIR/run/munged.pid" munged
    if [[ "${1:-}" == --purge ]]; then
        rm -rf "$DIR" "$CONF_DIR/slurm.conf" "$CONF_DIR/gres.conf" "$CONF_DIR/slurmdbd.conf"
        say "purged $DIR, the accounting database and the configuration"
    fi
    say "stopped in $(since "$STARTED_AT") s"
}

do_status() {
    local pair
    for pair in munged:munged mariadb:mariadbd slurmdbd:slurmdbd slurmctld:slurmctld slurmd:slurmd; do
        if running "$DIR/run/${pair%%:*}.pid" "${pair##*:}"; then
            echo "${pair##*:}: running (pid $(recorded "$DIR/run/${pair%%:*}.pid"))"
        else
            echo "${pair##*:}: not running"
        fi
    done
    ctld_up || { echo "slurmctld: not answering"; return 1; }
    sinfo -N -h -o 'node %N: %T, cpus=%c, memory=%mMB, gres=%G'
}

action=start purge=""
for arg in "$@"; do
    case "$arg" in
        start|stop|status) action="$arg" ;;
        --purge) purge=--purge ;;
        --kill-invalid-depend) KILL_INVALID_DEPEND=1 ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$SELF"; exit 0 ;;
        *) fail "unknown argument '$arg': expected start, stop [--purge], status or --help" ;;
    esac
done
if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null || fail "must run as root (installs packages, writes /etc/slurm)"
    exec sudo -E bash "$SELF" "$@"
fi
case "$action" in
    start) do_start ;;
    stop) do_stop "$purge" ;;
    status) do_status ;;
esac
