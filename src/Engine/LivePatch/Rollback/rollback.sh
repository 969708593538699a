# SysVmPatch rollback (appended to the on-VM agent, OnVm/agent.sh): puts back exactly what the backup holds,
# restarts the services that were running, and proves the old state before saying RolledBack.

rollback_restore() {
  if [ -d "$BACKUP/systemvm" ]; then
    rm -rf "$SYSVM" "$SYSVM.new" && cp -a "$BACKUP/systemvm" "$SYSVM" || { echo "could not restore $SYSVM"; return 1; }
  fi
  # Files the new scripts added did not exist before the patch.
  while IFS= read -r f; do [ -n "$f" ] && rm -f "/$f"; done < "$BACKUP/new.list"
  tar -xf "$BACKUP/scripts.tar" -C / || { echo "could not restore the scripts"; return 1; }
  if [ -f "$BACKUP/signature" ]; then cp -p "$BACKUP/signature" "$SIGFILE"; else rm -f "$SIGFILE"; fi
  systemctl daemon-reload >> "$RUNDIR/agent.log" 2>&1 || true
  ensure_vnc_rule || { echo "could not re-add the VNC iptables rule"; return 1; }
}

rollback_validate() {
  services_and_signature_ok "$FROM_SIG" || return 1
  role_checks || return 1
}

# Never returns: finishes RolledBack when the old state is proven, RollbackFailed (backup kept) otherwise.
rollback_and_finish() {
  local failed_step="$1" failed_error="$2" err
  journal rollback begin
  if ! err=$(rollback_restore 2>&1); then
    journal rollback "failed: $err"
    finish RollbackFailed "$failed_step" "$failed_error; rollback: $err (backup kept in $BACKUP)"
  fi
  if ! err=$(restart_services 2>&1); then
    journal rollback "failed: $err"
    finish RollbackFailed "$failed_step" "$failed_error; rollback: $err (backup kept in $BACKUP)"
  fi
  if ! err=$(rollback_validate 2>&1); then
    journal rollback "failed: $err"
    finish RollbackFailed "$failed_step" "$failed_error; rollback validation: $err (backup kept in $BACKUP)"
  fi
  journal rollback ok
  rm -rf "$STAGE" "$BACKUP"
  finish RolledBack "$failed_step" "$failed_error"
}
