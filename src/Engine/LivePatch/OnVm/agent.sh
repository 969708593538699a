#!/bin/bash
# SysVmPatch on-VM agent: patches this VM and always ends in one of two states, patched and validated or back
# on its old software with its services running, and leaves the outcome in $RUNDIR/outcome for whichever
# controller asks next. It runs detached (setsid nohup): the controller dying changes nothing here.
# Usage: agent.sh <run-id>. Parameters come from $STAGE/params (written and checksummed by the controller).
# The rollback functions (rollback_*) are appended from Rollback/rollback.sh when the agent is uploaded.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C

RUN="$1"
BASE=/var/cache/cloud/sysvmpatch
RUNDIR="$BASE/runs/$RUN"
STAGE="$RUNDIR/stage"
BACKUP="$RUNDIR/backup"
JOURNAL="$RUNDIR/journal"
OUTCOME="$RUNDIR/outcome"
SYSVM=/usr/local/cloud/systemvm
SIGFILE=/var/cache/cloud/cloud-scripts-signature

# shellcheck source=/dev/null
. "$STAGE/params"   # EXPECTED_SIG VM_TYPE POSTCHECKS_B64

# The agent runs on routers with one vCPU while they carry traffic: it reads files with bash's own read and
# tests rather than starting cat, tr or grep for each small thing.

# A signature file's content, whitespace removed, into SIG_READ (file: $1, default the VM's own).
read_signature() { SIG_READ=""; IFS= read -r SIG_READ 2>/dev/null < "${1:-$SIGFILE}"; SIG_READ="${SIG_READ//[[:space:]]/}"; }

read_signature; FROM_SIG="$SIG_READ"
RESTART_SVCS=""
STEP=start

# printf's %(...)T is bash's own clock: no date process for each of the dozen journal lines.
journal() { printf '%(%s)T %s %s\n' -1 "$1" "$2" >> "$JOURNAL"; }

# Writes the outcome atomically, releases the lock if it is ours, and ends the agent.
finish() {
  local status="$1" step="$2" error="$3" now_sig line mine=""
  read_signature; now_sig="$SIG_READ"
  {
    echo "run=$RUN"
    echo "status=$status"
    echo "step=$step"
    echo "error=${error//$'\n'/ }"
    echo "from_sig=$FROM_SIG"
    echo "to_sig=$now_sig"
    echo "services=$RESTART_SVCS"
    printf 'ended=%(%s)T\n' -1
  } > "$OUTCOME.tmp" && mv -f "$OUTCOME.tmp" "$OUTCOME"
  journal end "$status"
  while IFS= read -r line; do [ "$line" = "run=$RUN" ] && mine=1; done 2>/dev/null < "$BASE/lock/owner"
  if [ -n "$mine" ]; then rm -rf "$BASE/lock"; fi
  exit 0
}

# systemd reads unit files again only when the bundle brings some: a daemon-reload is not free on a busy router.
reload_units_if_changed() {
  local f
  while IFS= read -r f; do
    case "$f" in *systemd/*) systemctl daemon-reload >> "$RUNDIR/agent.log" 2>&1 || true; return 0 ;; esac
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

# Services to restart: listed in enabled_svcs (any number of lines) and active before the patch.
pick_services() {
  local svc listed=""
  IFS= read -r -d '' listed 2>/dev/null < /var/cache/cloud/enabled_svcs
  for svc in $listed; do
    if systemctl is-active --quiet "$svc" 2>/dev/null; then RESTART_SVCS="$RESTART_SVCS $svc"; fi
  done
  RESTART_SVCS="${RESTART_SVCS# }"
}

restart_services() {
  local svc
  for svc in $RESTART_SVCS; do
    journal restart "$svc"
    systemctl restart "$svc" >> "$RUNDIR/agent.log" 2>&1 || { echo "restart of $svc failed"; return 1; }
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

post_checks() {
  [ -n "${POSTCHECKS_B64:-}" ] || return 0
  local cmd
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    cmd=$(printf '%s' "$line" | base64 -d)
    journal postcheck "$cmd"
    bash -c "$cmd" >> "$RUNDIR/agent.log" 2>&1 || { echo "post-check failed: $cmd"; return 1; }
  done <<< "$POSTCHECKS_B64"
}

# --- backup: everything the patch replaces, kept until validation passes -----------------------------------
backup() {
  mkdir -p "$BACKUP" || return 1
  # Only an SSVM or CPVM gets a new agent; a router's systemvm directory is not touched, so not copied.
  if is_agent_vm && [ -d "$SYSVM" ]; then cp -a "$SYSVM" "$BACKUP/systemvm" || return 1; fi
  local listing f
  listing=$(tar -tzf "$STAGE/cloud-scripts.tgz") || return 1
  # Files only (no directories), relative to /, each in the list of those the patch replaces or adds.
  {
    while IFS= read -r f; do
      f="${f#./}"; f="${f#/}"
      case "$f" in ''|*/) continue ;; esac
      echo "$f" >&3
      if [ -e "/$f" ] || [ -L "/$f" ]; then echo "$f"; else echo "$f" >&4; fi
    done <<< "$listing"
  } 3> "$BACKUP/scripts.list" 4> "$BACKUP/new.list" > "$BACKUP/existing.list"
  tar -cf "$BACKUP/scripts.tar" -C / --no-recursion -T "$BACKUP/existing.list" || return 1
  if [ -f "$SIGFILE" ]; then cp -p "$SIGFILE" "$BACKUP/signature" || return 1; fi
  touch "$BACKUP/complete"
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
    rm -rf "$SYSVM" && mv "$SYSVM.new" "$SYSVM" || return 1
  fi
  tar -xzf "$STAGE/cloud-scripts.tgz" -C / >> "$RUNDIR/agent.log" 2>&1 || { echo "cloud-scripts.tgz did not extract"; return 1; }
  printf '%s\n' "$EXPECTED_SIG" > "$SIGFILE" || return 1
  reload_units_if_changed
  ensure_vnc_rule || { echo "could not add the VNC iptables rule"; return 1; }
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
  rm -rf "$BACKUP" "$RUNDIR/stage"
  finish Failed "$name" "$err"
}

validate() {
  services_and_signature_ok "$EXPECTED_SIG" || return 1
  role_checks || return 1
  post_checks || return 1
}

journal agent "pid $$"
recover_interrupted_runs
pick_services
journal services "${RESTART_SVCS:-none}"
step backup backup
step apply apply
step restart restart_services
step validate validate
rm -rf "$STAGE" "$BACKUP"
finish Patched validate ""
