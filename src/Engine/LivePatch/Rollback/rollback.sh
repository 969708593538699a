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
  reload_units_if_changed
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

# An earlier run whose agent died mid-patch (VM rebooted, agent killed) left a complete backup and no outcome:
# the VM may be between versions. Put it back on that backup first, and record the earlier run's outcome.
recover_interrupted_runs() {
  local dir other
  for dir in "$BASE"/runs/*/; do
    dir="${dir%/}"; other="${dir##*/}"
    [ "$other" = "$RUN" ] && continue
    [ -f "$dir/backup/complete" ] && [ ! -f "$dir/outcome" ] || continue
    journal recover "run $other was interrupted; restoring its backup"
    local saved_backup="$BACKUP" saved_from="$FROM_SIG" saved_svcs="$RESTART_SVCS" err status=RolledBack
    BACKUP="$dir/backup"
    read_signature "$BACKUP/signature"; FROM_SIG="$SIG_READ"
    RESTART_SVCS=$(sed -n 's/^[0-9]* services //p' "$dir/journal" 2>/dev/null | head -n 1)
    [ "$RESTART_SVCS" = none ] && RESTART_SVCS=""
    if ! err=$( { rollback_restore && restart_services && rollback_validate; } 2>&1 ); then status=RollbackFailed; fi
    read_signature
    {
      echo "run=$other"; echo "status=$status"; echo "step=interrupted"
      echo "error=the agent of run $other died mid-patch; recovered by run $RUN: ${err:-old state restored and validated}" | tr '\n' ' '; echo
      echo "from_sig=$FROM_SIG"; echo "to_sig=$SIG_READ"; echo "services=$RESTART_SVCS"; echo "ended=$(date +%s)"
    } > "$dir/outcome"
    if [ "$status" != RolledBack ]; then
      journal recover "failed: $err"
      BACKUP="$saved_backup"
      finish RollbackFailed recover "could not restore the backup of interrupted run $other: $err (backup kept in $dir/backup)"
    fi
    rm -rf "$dir/backup" "$dir/stage"
    journal recover ok
    BACKUP="$saved_backup"; read_signature; FROM_SIG="$SIG_READ"; RESTART_SVCS="$saved_svcs"
  done
}
