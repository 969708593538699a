#!/bin/bash
# SysVmPatch on-VM agent: patches this VM and always ends in one of two states, patched and validated or back
# on its old software with its services running, and leaves the outcome in $RUNDIR/outcome for whichever
# controller asks next. It runs detached (setsid nohup): the controller dying changes nothing here.
# Usage: agent.sh <run-id>. Parameters come from $STAGE/params (written and checksummed by the controller).
# The rollback functions (rollback_*) are appended from Rollback/rollback.sh, the CA certificate and JRE steps
# (*_java_extras, apply_jre, apply_certs) from OnVm/javatrust.sh, when the agent is uploaded.
#
# Crash consistency (the VM may be reset at any instant): the backup is synced before `complete` marks it
# usable, new files are written beside their targets and renamed into place, the outcome is synced and written
# (temp + rename) before any backup is deleted. So after a reset the VM holds either a complete backup and no
# outcome (the next run restores it) or an outcome that tells the truth.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C

RUN="$1"
BASE=/var/cache/cloud/sysvmpatch
RUNDIR="$BASE/runs/$RUN"
STAGE="$RUNDIR/stage"
BACKUP="$RUNDIR/backup"
UNPACK="$RUNDIR/unpack"
JOURNAL="$RUNDIR/journal"
OUTCOME="$RUNDIR/outcome"
ATTENTION="$BASE/attention"
SYSVM=/usr/local/cloud/systemvm
SIGFILE=/var/cache/cloud/cloud-scripts-signature
KEEP_RUNS=5

# shellcheck source=/dev/null
. "$STAGE/params"   # EXPECTED_SIG VM_TYPE POSTCHECKS_B64 TIMEOUT_SEC ROLLBACK_TIMEOUT_SEC
TIMEOUT_SEC="${TIMEOUT_SEC:-600}"; ROLLBACK_TIMEOUT_SEC="${ROLLBACK_TIMEOUT_SEC:-300}"

# The agent runs on routers with one vCPU while they carry traffic: it reads files with bash's own read and
# tests rather than starting cat, tr or grep for each small thing.

# A signature file's content, whitespace removed, into SIG_READ (file: $1, default the VM's own).
read_signature() { SIG_READ=""; IFS= read -r SIG_READ 2>/dev/null < "${1:-$SIGFILE}"; SIG_READ="${SIG_READ//[[:space:]]/}"; }

read_signature; FROM_SIG="$SIG_READ"
RESTART_SVCS=""
DOWN_SVCS=""
STEP=start

# printf's %(...)T is bash's own clock: no date process for each of the dozen journal lines.
journal() { printf '%(%s)T %s %s\n' -1 "$1" "$2" >> "$JOURNAL"; }

# Every step that can hang (a service restart, a post-check, a daemon-reload) runs under `timeout` with what is
# left until DEADLINE: the patch as a whole gets TIMEOUT_SEC, a rollback its own ROLLBACK_TIMEOUT_SEC.
set_deadline() { local now; printf -v now '%(%s)T' -1; DEADLINE=$(( now + $1 )); DEADLINE_OF="$2"; }
set_deadline "$TIMEOUT_SEC" "AgentTimeout ${TIMEOUT_SEC} s"
# Runs "$@" bounded by DEADLINE; 124 when it ran out of time (the command and its children are killed).
bounded() {
  local now left rc
  printf -v now '%(%s)T' -1; left=$(( DEADLINE - now ))
  [ "$left" -ge 1 ] || return 124
  timeout -k 5 "$left" "$@"; rc=$?
  [ "$rc" -eq 137 ] && rc=124
  return "$rc"
}

# Writes $2 into file $1 so that a reset leaves the old content or the new, never a part.
write_atomically() { printf '%s' "$2" > "$1.tmp" && sync "$1.tmp" 2>/dev/null; mv -f "$1.tmp" "$1"; }

# Writes the outcome (durably, before any backup goes), marks the VM for attention when it could not be put
# back, removes what the run no longer needs, releases the lock if it is ours, and ends the agent.
finish() {
  local status="$1" step="$2" error="$3" now_sig line mine="" text
  read_signature; now_sig="$SIG_READ"
  printf -v text 'run=%s\nstatus=%s\nstep=%s\nerror=%s\nfrom_sig=%s\nto_sig=%s\nservices=%s\ndown_before=%s\nended=%(%s)T\n' \
    "$RUN" "$status" "$step" "${error//$'\n'/ }" "$FROM_SIG" "$now_sig" "$RESTART_SVCS" "$DOWN_SVCS" -1
  sync   # the VM's files as they are now reach the disk before the outcome says what they are
  write_atomically "$OUTCOME" "$text"
  if [ "$status" = RollbackFailed ]; then mark_attention "$step" "$error"; fi
  journal end "$status"
  sync   # the outcome's rename is on disk before the backup it replaces goes
  # A reset from here on leaves a backup next to an outcome: the next run removes it (recover_interrupted_runs).
  if [ "$status" = RollbackFailed ]; then rm -rf "$STAGE" "$UNPACK"; else rm -rf "$STAGE" "$UNPACK" "$BACKUP"; fi
  # Last: the controller's wait returns once the lock is no longer this run's, so it finds the VM clean and free.
  while IFS= read -r line; do [ "$line" = "run=$RUN" ] && mine=1; done 2>/dev/null < "$BASE/lock/owner"
  if [ -n "$mine" ]; then rm -rf "$BASE/lock"; fi
  exit 0
}

# The VM could not be proven on either version: every later run refuses it (preflight, the agent itself) until an
# operator restores the kept backup and removes this file.
mark_attention() {
  local text
  printf -v text 'run=%s\nstep=%s\nerror=%s\nbackup=%s\nsince=%(%s)T\n' "${KEPT_RUN:-$RUN}" "$1" "${2//$'\n'/ }" "${KEPT_BACKUP:-$BACKUP}" -1
  write_atomically "$ATTENTION" "$text"
}

# systemd reads unit files again only when the bundle brings some: a daemon-reload is not free on a busy router.
reload_units_if_changed() {
  local f
  while IFS= read -r f; do
    case "$f" in *systemd/*) bounded systemctl daemon-reload >> "$RUNDIR/agent.log" 2>&1 || true; return 0 ;; esac
  done 2>/dev/null < "$BACKUP/scripts.list"
}

is_agent_vm() { [ "$VM_TYPE" = secstorage ] || [ "$VM_TYPE" = consoleproxy ]; }

vnc_port() { local p; p=$(tr -dc '0-9' < /root/vncport 2>/dev/null); echo "${p:-8080}"; }

# The console proxy's VNC rule, as CloudStack's own patch re-adds it: on eth2, the CPVM's public interface, where
# users' console sessions arrive (eth0 is link-local control, eth1 management). -C first so a rerun adds no duplicate.
VNC_IF=eth2
ensure_vnc_rule() {
  [ "$VM_TYPE" = consoleproxy ] || return 0
  local port; port=$(vnc_port)
  iptables -C INPUT -i "$VNC_IF" -p tcp -m state --state NEW -m tcp --dport "$port" -j ACCEPT 2>/dev/null \
    || iptables -A INPUT -i "$VNC_IF" -p tcp -m state --state NEW -m tcp --dport "$port" -j ACCEPT
}

# Services to restart: listed in enabled_svcs (any number of lines) and active before the patch. An enabled
# service that is already down is left as it is, and named in the outcome (down_before) so the result says so.
pick_services() {
  local svc listed=""
  IFS= read -r -d '' listed 2>/dev/null < /var/cache/cloud/enabled_svcs
  for svc in $listed; do
    if systemctl is-active --quiet "$svc" 2>/dev/null; then RESTART_SVCS="$RESTART_SVCS $svc"; else DOWN_SVCS="$DOWN_SVCS $svc"; fi
  done
  RESTART_SVCS="${RESTART_SVCS# }"; DOWN_SVCS="${DOWN_SVCS# }"
}

restart_services() {
  local svc rc
  for svc in $RESTART_SVCS; do
    journal restart "$svc"
    bounded systemctl restart "$svc" >> "$RUNDIR/agent.log" 2>&1; rc=$?
    [ "$rc" -eq 124 ] && { echo "restart of $svc did not finish in time ($DEADLINE_OF) and was stopped"; return 1; }
    [ "$rc" -eq 0 ] || { echo "restart of $svc failed"; return 1; }
  done
}

# Each restarted service active and the signature as expected ($1).
services_and_signature_ok() {
  local want="$1" svc state sig
  for svc in $RESTART_SVCS; do
    systemctl is-active --quiet "$svc" 2>/dev/null && continue
    state=$(systemctl is-active "$svc" 2>/dev/null)
    echo "$svc is ${state:-unknown} (is-active)"; return 1
  done
  read_signature; sig="$SIG_READ"
  [ "$sig" = "$want" ] || { echo "signature is ${sig:-missing}, expected $want"; return 1; }
}

role_checks() {
  if is_agent_vm; then
    [ -d "$SYSVM" ] || { echo "$SYSVM is missing"; return 1; }
    if [ -f "$BACKUP/systemvm/conf/cloud.jks" ] && [ ! -f "$SYSVM/conf/cloud.jks" ]; then echo "keystore $SYSVM/conf/cloud.jks was not restored"; return 1; fi
  fi
  if [ "$VM_TYPE" = consoleproxy ]; then
    iptables -C INPUT -i "$VNC_IF" -p tcp -m state --state NEW -m tcp --dport "$(vnc_port)" -j ACCEPT 2>/dev/null \
      || { echo "VNC port $(vnc_port) rule missing"; return 1; }
  fi
  [ -d /opt/cloud/bin ] || { echo "/opt/cloud/bin is missing"; return 1; }
}

# Each check reads /dev/null, never the list of checks this loop reads: a check that reads its stdin would
# otherwise swallow the checks after it, and validation would pass without running them.
post_checks() {
  [ -n "${POSTCHECKS_B64:-}" ] || return 0
  local cmd rc line
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    cmd=$(printf '%s' "$line" | base64 -d)
    journal postcheck "$cmd"
    bounded bash -c "$cmd" < /dev/null >> "$RUNDIR/agent.log" 2>&1; rc=$?
    [ "$rc" -eq 124 ] && { echo "post-check did not finish in time ($DEADLINE_OF) and was stopped: $cmd"; return 1; }
    [ "$rc" -eq 0 ] || { echo "post-check failed: $cmd"; return 1; }
  done <<< "$POSTCHECKS_B64"
}

# --- backup: everything the patch replaces, kept until validation passes -----------------------------------
backup() {
  mkdir -p "$BACKUP" || return 1
  # Only an SSVM or CPVM gets a new agent; a router's systemvm directory is not touched, so not copied.
  if is_agent_vm && [ -d "$SYSVM" ]; then cp -a "$SYSVM" "$BACKUP/systemvm" || return 1; fi
  local listing f d
  local -A seen=()
  listing=$(tar -tzf "$STAGE/cloud-scripts.tgz") || return 1
  # Files only (no directories), relative to /, each in the list of those the patch replaces or adds; and the
  # folders the patch will create, so a rollback removes them too (newdirs.list).
  {
    while IFS= read -r f; do
      f="${f#./}"; f="${f#/}"
      case "$f" in ''|*/) continue ;; esac
      echo "$f" >&3
      if [ -e "/$f" ] || [ -L "/$f" ]; then echo "$f"; else echo "$f" >&4; fi
      d="${f%/*}"
      while [ "$d" != "$f" ] && [ -n "$d" ] && [ -z "${seen[$d]:-}" ] && [ ! -e "/$d" ]; do
        seen[$d]=1; echo "$d" >&5; f="$d"; d="${d%/*}"
      done
    done <<< "$listing"
  } 3> "$BACKUP/scripts.list" 4> "$BACKUP/new.list" 5> "$BACKUP/newdirs.list" > "$BACKUP/existing.list"
  tar -cf "$BACKUP/scripts.tar" -C / --no-recursion -T "$BACKUP/existing.list" || return 1
  if [ -f "$SIGFILE" ]; then cp -p "$SIGFILE" "$BACKUP/signature" || return 1; fi
  backup_java_extras || return 1
  # The backup is on disk before anything says it is usable, and that it is usable before anything changes.
  sync || return 1
  : > "$BACKUP/complete" || return 1
  sync
}

# Puts each file of $1 (a folder holding the files of scripts.list) in place by rename, never by writing over a
# live file: a reset leaves every script whole, old or new.
install_files() {
  local from="$1" f
  while IFS= read -r f; do
    [ -n "$f" ] || continue
    [ -d "/${f%/*}" ] || mkdir -p "/${f%/*}" || { echo "could not create /${f%/*}"; return 1; }
    cp -a "$from/$f" "/$f.svpnew" && mv -fT "/$f.svpnew" "/$f" || { rm -f "/$f.svpnew"; echo "could not install /$f"; return 1; }
  done < "$BACKUP/scripts.list"
}

# --- apply ---------------------------------------------------------------------------------------------------
apply() {
  if is_agent_vm; then
    rm -rf "$SYSVM.new" && mkdir -p "$SYSVM.new" || return 1
    unzip -q -o "$STAGE/agent.zip" -d "$SYSVM.new" >> "$RUNDIR/agent.log" 2>&1 || { echo "agent.zip did not extract"; return 1; }
    # The VM's own identity survives the new agent: keystore, certificates and agent.properties.
    if [ -d "$BACKUP/systemvm/conf" ]; then mkdir -p "$SYSVM.new/conf" && cp -a "$BACKUP/systemvm/conf/." "$SYSVM.new/conf/" || return 1; fi
    if [ -d "$BACKUP/systemvm/certs" ]; then mkdir -p "$SYSVM.new/certs" && cp -a "$BACKUP/systemvm/certs/." "$SYSVM.new/certs/" || return 1; fi
    find "$SYSVM.new" -name '*.sh' -exec chmod 555 {} +
    sync
    rm -rf "$SYSVM.old"
    if [ -e "$SYSVM" ]; then mv -T "$SYSVM" "$SYSVM.old" || return 1; fi
    mv -T "$SYSVM.new" "$SYSVM" || return 1
    rm -rf "$SYSVM.old"
  fi
  rm -rf "$UNPACK" && mkdir -p "$UNPACK" || return 1
  tar -xzf "$STAGE/cloud-scripts.tgz" -C "$UNPACK" >> "$RUNDIR/agent.log" 2>&1 || { echo "cloud-scripts.tgz did not extract"; return 1; }
  sync
  install_files "$UNPACK" || return 1
  rm -rf "$UNPACK"
  sync
  write_atomically "$SIGFILE" "$EXPECTED_SIG"$'\n' || return 1
  reload_units_if_changed
  ensure_vnc_rule || { echo "could not add the VNC iptables rule"; return 1; }
  # The JRE before the certificates: they go into the keystore of the JRE the agent will run on.
  apply_jre || return 1
  apply_certs || return 1
}

# Runs a step; on failure after the backup, rolls back and finishes with the step's error.
step() {
  local name="$1"; shift
  local err
  STEP="$name"
  journal "$name" begin
  if err=$("$@" 2>&1); then journal "$name" ok; return 0; fi
  err="${err:-$name failed}"
  journal "$name" "failed: $err"
  if [ -f "$BACKUP/complete" ]; then rollback_and_finish "$name" "$err"; fi
  finish Failed "$name" "$err"
}

validate() {
  services_and_signature_ok "$EXPECTED_SIG" || return 1
  role_checks || return 1
  validate_java_extras || return 1
  post_checks || return 1
}

# Keeps the last KEEP_RUNS run folders (and this run's); never one that holds a backup (a kept one waits for
# an operator, an interrupted one for recovery). Called after recovery, under the lock.
prune_runs() {
  local dir n=0
  # Newest first; ls is the one tool that sorts by time.
  while IFS= read -r dir; do
    dir="${dir%/}"
    [ "${dir##*/}" = "$RUN" ] && continue
    n=$((n + 1))
    [ "$n" -lt "$KEEP_RUNS" ] && continue
    [ -d "$dir/backup" ] && continue
    rm -rf "$dir"
  done < <(ls -1dt "$BASE"/runs/*/ 2>/dev/null)
}

journal agent "pid $$"
if [ -f "$ATTENTION" ]; then
  att=""; while IFS= read -r line || [ -n "$line" ]; do att="$att$line; "; done < "$ATTENTION"
  finish Failed attention "this VM needs attention ($att); restore the kept backup, then clear the mark (Clear-SysVmAttention, or remove $ATTENTION)"
fi
recover_interrupted_runs
prune_runs
pick_services
journal services "${RESTART_SVCS:-none}"
[ -z "$DOWN_SVCS" ] || journal down "$DOWN_SVCS"
# A JRE or CA certificates are checked before the backup: a corrupt archive is refused with nothing changed.
if has_java_extras; then step check check_java_extras; fi
step backup backup
step apply apply
step restart restart_services
step validate validate
finish Patched validate ""
