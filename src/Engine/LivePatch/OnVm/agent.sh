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

FROM_SIG=$(tr -d ' \n' < "$SIGFILE" 2>/dev/null || true)
RESTART_SVCS=""
STEP=start

# printf's %(...)T is bash's own clock: no date process for each of the dozen journal lines.
journal() { printf '%(%s)T %s %s\n' -1 "$1" "$2" >> "$JOURNAL"; }

# Writes the outcome atomically, releases the lock if it is ours, and ends the agent.
finish() {
  local status="$1" step="$2" error="$3" now_sig
  now_sig=$(tr -d ' \n' < "$SIGFILE" 2>/dev/null || true)
  {
    echo "run=$RUN"
    echo "status=$status"
    echo "step=$step"
    echo "error=$(printf '%s' "$error" | tr '\n' ' ')"
    echo "from_sig=$FROM_SIG"
    echo "to_sig=$now_sig"
    echo "services=$RESTART_SVCS"
    printf 'ended=%(%s)T\n' -1
  } > "$OUTCOME.tmp" && mv -f "$OUTCOME.tmp" "$OUTCOME"
  journal end "$status"
  if grep -qx "run=$RUN" "$BASE/lock/owner" 2>/dev/null; then rm -rf "$BASE/lock"; fi
  exit 0
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
  local svc
  for svc in $(cat /var/cache/cloud/enabled_svcs 2>/dev/null); do
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
    state=$(systemctl is-active "$svc" 2>/dev/null)
    [ "$state" = active ] || { echo "$svc is ${state:-unknown} (is-active)"; return 1; }
  done
  sig=$(tr -d ' \n' < "$SIGFILE" 2>/dev/null)
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
  if [ -d "$SYSVM" ]; then cp -a "$SYSVM" "$BACKUP/systemvm" || return 1; fi
  tar -tzf "$STAGE/cloud-scripts.tgz" | sed -e 's|^\./||' -e 's|^/||' | grep -v '/$' | grep -v '^$' > "$BACKUP/scripts.list" || return 1
  : > "$BACKUP/existing.list"; : > "$BACKUP/new.list"
  while IFS= read -r f; do
    if [ -e "/$f" ] || [ -L "/$f" ]; then echo "$f" >> "$BACKUP/existing.list"; else echo "$f" >> "$BACKUP/new.list"; fi
  done < "$BACKUP/scripts.list"
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
  systemctl daemon-reload >> "$RUNDIR/agent.log" 2>&1 || true
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
