#!/usr/bin/env bash
# A real SLURM "cluster" on this machine for test/lab/slurm.test.ts: Debian's packages, one slurmctld and
# two slurmd (two emulated nodes), all started by hand (no systemd) and stopped by PID. Follows the
# measured recipe in shared/reference/slurm-single-node.sh, whose comments explain each pitfall.
#
#   bash scripts/slurm-ci.sh install   # Debian packages, if missing (root)
#   bash scripts/slurm-ci.sh start     # configure and start; waits until both nodes are idle
#   bash scripts/slurm-ci.sh stop      # scontrol shutdown, then every daemon it started, by PID
#
# Run-time files live under $SLURM_LAB (default /tmp/landscape-lab-slurm). Outside it: the packages,
# /etc/slurm/slurm.conf, /etc/munge/munge.key and /run/munge.
set -euo pipefail

LAB=${SLURM_LAB:-/tmp/landscape-lab-slurm}
HOST=$(hostname -s)
NCPU=$(nproc)
NODES=2
PKGS="slurmctld slurmd slurm-client munge"

log() { echo "[slurm-ci] $*"; }

wait_for() { # wait_for SECONDS CMD... : poll until CMD succeeds
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

do_install() {
  if [ "$(dpkg-query -W -f='${Status}\n' $PKGS 2>/dev/null | grep -c 'install ok installed')" -eq 4 ]; then
    log "packages already installed"; return
  fi
  # Without systemd the postinst scripts would run the init scripts (slurmctld's fails: no
  # slurm.conf yet); a policy-rc.d that exits 101 stops them. Removed again if made here.
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1
  fi
  apt-get update -qq   # a fresh machine's lists are empty or stale
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  log "installed: $(dpkg-query -W -f='${Package} ${Version}  ' $PKGS)"
}

do_configure() {
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key --force
    chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
  fi
  getent hosts "$HOST" >/dev/null || echo "127.0.0.1 $HOST" >> /etc/hosts   # SlurmctldHost must resolve
  mkdir -p "$LAB"/{state,spool,log,run}
  chmod 0755 "$LAB"                                       # the slurm user must reach its folders
  chown -R slurm:slurm "$LAB"/state "$LAB"/log "$LAB"/run  # slurmctld runs as SlurmUser=slurm
  local cpus=$(( NCPU / NODES )) i nodes=""
  [ "$cpus" -ge 1 ] || cpus=1
  for i in $(seq 1 "$NODES"); do   # every slurmd on this host, each on its own port
    nodes+="NodeName=n$i NodeHostname=$HOST NodeAddr=127.0.0.1 Port=$((17000 + i)) CPUs=$cpus State=UNKNOWN"$'\n'
  done
  mkdir -p /etc/slurm
  cat > /etc/slurm/slurm.conf <<CONF
ClusterName=lab
SlurmctldHost=$HOST
SlurmUser=slurm
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SlurmctldPidFile=$LAB/run/slurmctld.pid
SlurmdPidFile=$LAB/run/slurmd-%n.pid
SlurmdSpoolDir=$LAB/spool/%n
StateSaveLocation=$LAB/state
SlurmctldLogFile=$LAB/log/slurmctld.log
SlurmdLogFile=$LAB/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
SchedulerType=sched/backfill
# array tasks start every ~1 s instead of every 3 s
SchedulerParameters=batch_sched_delay=0
# an afterok merge whose shard failed is cancelled instead of pending forever
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MinJobAge=300
$nodes
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

# is the pid in file $1 alive and really a $2 (not a stale file whose pid was reused)?
pid_alive() { [ -s "$1" ] && [ "$(cat "/proc/$(cat "$1")/comm" 2>/dev/null)" = "$2" ]; }
nodes_idle() { [ "$(sinfo -h -N -o %T 2>/dev/null | grep -c '^idle$')" -eq "$NODES" ]; }

do_start() {
  do_configure
  mkdir -p /run/munge; chown munge:munge /run/munge; chmod 0755 /run/munge   # no systemd-tmpfiles here
  if ! pid_alive /run/munge/munged.pid munged; then   # a munged that was already running is left alone
    runuser -u munge -- /usr/sbin/munged
    wait_for 5 test -s /run/munge/munged.pid && cp /run/munge/munged.pid "$LAB/run/munged.pid"
  fi
  wait_for 10 sh -c 'munge -n | unmunge' || { log "munge does not work"; exit 1; }
  pid_alive "$LAB/run/slurmctld.pid" slurmctld || slurmctld
  local i
  for i in $(seq 1 "$NODES"); do pid_alive "$LAB/run/slurmd-n$i.pid" slurmd || slurmd -N "n$i"; done
  if ! wait_for 30 nodes_idle; then
    sinfo -N || true; tail -n 20 "$LAB"/log/*.log || true; log "nodes never became idle"; exit 1
  fi
  log "up: munged=$(cat /run/munge/munged.pid) slurmctld=$(cat "$LAB/run/slurmctld.pid") slurmd=$(cat "$LAB"/run/slurmd-*.pid | tr '\n' ' ')"
}

gone() { ! kill -0 "$1" 2>/dev/null; }
mine() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }

stop_pid() { # stop_pid NAME PID GRACE : a clean exit within GRACE s, else SIGTERM, else SIGKILL
  local name=$1 pid=$2 grace=$3
  mine "$pid" "$name" || return 0
  wait_for "$grace" gone "$pid" && return 0
  kill "$pid" 2>/dev/null || true
  wait_for 5 gone "$pid" && return 0
  log "$name ($pid) ignored SIGTERM; SIGKILL"; kill -9 "$pid" 2>/dev/null || true
}

do_stop() {
  local ctld="" munged="" sd="" grace=0 f p
  [ -s "$LAB/run/slurmctld.pid" ] && ctld=$(cat "$LAB/run/slurmctld.pid")
  [ -s "$LAB/run/munged.pid" ] && munged=$(cat "$LAB/run/munged.pid")   # only the munged started here
  for f in "$LAB"/run/slurmd*.pid; do [ -s "$f" ] && sd="$sd $(cat "$f")"; done
  # scontrol shutdown stops slurmctld and every registered slurmd; without slurmctld, SIGTERM at once.
  if [ -n "$ctld" ] && mine "$ctld" slurmctld && scontrol shutdown >/dev/null 2>&1; then grace=5; fi
  [ -z "$ctld" ] || stop_pid slurmctld "$ctld" "$grace"
  for p in $sd; do stop_pid slurmd "$p" "$grace"; done
  [ -z "$munged" ] || stop_pid munged "$munged" 0   # munged stops only on SIGTERM
  rm -f "$LAB"/run/slurmctld.pid "$LAB"/run/slurmd*.pid "$LAB"/run/munged.pid
  log "stopped (slurmctld=${ctld:--} slurmd=${sd:- -} munged=${munged:--})"
}

case "${1:-}" in
  install) do_install ;;
  start) do_start ;;
  stop) do_stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
