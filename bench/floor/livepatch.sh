#!/bin/bash
# The floor: the least a live patch can be over plain OpenSSH. Per VM one master connection (ControlMaster,
# through the VM's host with ProxyJump), scp of the payload over it, one remote script (remote.sh: checksum,
# back up, extract, restart the enabled services, verify), then the master is closed. xargs -P runs VMs in
# parallel. No preflight, no lock, no rollback, no retries: checks beyond the essential are left out on purpose.
# Usage: livepatch.sh <inventory> <bundle dir> <parallel> <ssh_config> <times file>
#   inventory lines: <vm name> <agent|router>   (the ssh_config resolves the name, its port and its ProxyJump)
# Writes "<vm> <start> <end> <exit code> <connected> <copied>" (epoch seconds) per VM to the times file.
set -u
INVENTORY="$1" BUNDLE="$2" PARALLEL="$3" SSH_CONFIG="$4" TIMES="$5"
HERE="$(cd "$(dirname "$0")" && pwd)"
CTL="$(mktemp -d /tmp/svp-floor.XXXXXX)"
trap 'rm -rf "$CTL"' EXIT
SIG="$(md5sum "$BUNDLE/cloud-scripts.tgz" | cut -d' ' -f1)"
AGENT_MD5="$(md5sum "$BUNDLE/agent.zip" | cut -d' ' -f1)"
export BUNDLE SSH_CONFIG CTL SIG AGENT_MD5 HERE TIMES

patch_one() {
  local vm="$1" kind="$2" start connected=0 copied=0 rc=0 files
  start="$(date +%s.%N)"
  local o=(-F "$SSH_CONFIG" -o ControlMaster=auto -o "ControlPath=$CTL/$vm" -o ControlPersist=yes)
  files=("$BUNDLE/cloud-scripts.tgz")
  [ "$kind" = agent ] && files+=("$BUNDLE/agent.zip")
  # The first command opens the master; scp and the script reuse it.
  ssh "${o[@]}" "$vm" true && connected="$(date +%s.%N)" \
    && scp -q "${o[@]}" "${files[@]}" "$vm:/var/cache/cloud/" && copied="$(date +%s.%N)" \
    && ssh "${o[@]}" "$vm" bash -s -- "$kind" "$SIG" "$AGENT_MD5" < "$HERE/remote.sh" || rc=$?
  ssh "${o[@]}" -O exit "$vm" 2>/dev/null
  printf '%s %s %s %s %s %s\n' "$vm" "$start" "$(date +%s.%N)" "$rc" "$connected" "$copied" >> "$TIMES"
  return 0
}
export -f patch_one

xargs -P "$PARALLEL" -L 1 bash -c 'patch_one "$@"' _ < "$INVENTORY"
# Every VM must have ended with 0.
! awk '$4 != 0 { bad = 1 } END { exit !bad }' "$TIMES"
