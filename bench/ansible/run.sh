#!/bin/bash
# Runs the playbook at the given parallelism, then closes the ControlPersist masters it left, so their work is
# part of the run. Usage: run.sh <inventory> <bundle dir> <forks> <ssh_config> <times json>
set -u
INVENTORY="$1" BUNDLE="$2" FORKS="$3" SSH_CONFIG="$4"
export SVP_BENCH_TIMES="$5"
HERE="$(cd "$(dirname "$0")" && pwd)"
CP_DIR="$(mktemp -d /tmp/svp-ansible-cp.XXXXXX)"
export ANSIBLE_CONFIG="$HERE/ansible.cfg" ANSIBLE_SSH_CONTROL_PATH_DIR="$CP_DIR" ANSIBLE_LOCAL_TEMP="$CP_DIR/tmp"
export ANSIBLE_SSH_ARGS="-F $SSH_CONFIG -o ControlMaster=auto -o ControlPersist=60s"
cd "$HERE"
ansible-playbook -i "$INVENTORY" -f "$FORKS" \
  -e "bundle=$BUNDLE scripts_md5=$(md5sum "$BUNDLE/cloud-scripts.tgz" | cut -d' ' -f1) agent_md5=$(md5sum "$BUNDLE/agent.zip" | cut -d' ' -f1)" \
  livepatch.yml
rc=$?
for s in "$CP_DIR"/*; do [ -S "$s" ] && ssh -o ControlPath="$s" -O exit dummy 2>/dev/null; done
rm -rf "$CP_DIR"
exit $rc
