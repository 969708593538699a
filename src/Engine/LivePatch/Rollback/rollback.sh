# SysVmPatch rollback (appended to the on-VM agent, OnVm/agent.sh): puts back exactly what the backup holds,
# restarts the services that were running, and proves the old state before saying RolledBack. Every step is
# bounded: a rollback gets ROLLBACK_TIMEOUT_SEC of its own, and running out of it ends in RollbackFailed.

rollback_restore() {
  local f d
  if [ -d "$BACKUP/systemvm" ]; then
    rm -rf "$SYSVM" "$SYSVM.new" "$SYSVM.old" && cp -a "$BACKUP/systemvm" "$SYSVM" || { echo "could not restore $SYSVM"; return 1; }
  fi
  # Files the new scripts added did not exist before the patch, nor did the folders made for them.
  while IFS= read -r f; do [ -n "$f" ] && rm -f "/$f" "/$f.svpnew"; done < "$BACKUP/new.list"
  if [ -s "$BACKUP/newdirs.list" ]; then
    # Deepest first (a reversed sort puts a/b/c before a/b); rmdir leaves a folder something else filled.
    while IFS= read -r d; do [ -n "$d" ] && rmdir "/$d" 2>/dev/null; done < <(sort -r "$BACKUP/newdirs.list")
  fi
  tar -xf "$BACKUP/scripts.tar" -C / || { echo "could not restore the scripts"; return 1; }
  restore_java_extras || return 1
  if [ -f "$BACKUP/signature" ]; then cp -p "$BACKUP/signature" "$SIGFILE.tmp" && mv -f "$SIGFILE.tmp" "$SIGFILE"; else rm -f "$SIGFILE"; fi
  sync
  reload_units_if_changed
  ensure_vnc_rule || { echo "could not re-add the VNC iptables rule"; return 1; }
}

rollback_validate() {
  services_and_signature_ok "$FROM_SIG" || return 1
  role_checks || return 1
  if [ -f "$BACKUP/jre.tar" ]; then
    bounded "/$(< "$BACKUP/jre.home")/bin/java" -version > /dev/null 2>&1 || { echo "the restored JRE's java -version failed"; return 1; }
  fi
}

# Never returns: finishes RolledBack when the old state is proven, RollbackFailed (backup kept) otherwise.
rollback_and_finish() {
  local failed_step="$1" failed_error="$2" err
  set_deadline "$ROLLBACK_TIMEOUT_SEC" "rollback limit ${ROLLBACK_TIMEOUT_SEC} s"
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
  finish RolledBack "$failed_step" "$failed_error"
}

# An earlier run whose agent died mid-patch (VM rebooted, agent killed) left a complete backup and no outcome:
# the VM may be between versions. Put it back on that backup first, and record the earlier run's outcome, whole
# (temp + rename) and before its backup is removed, so a reset during recovery only means recovering again.
recover_interrupted_runs() {
  local dir other text status line
  for dir in "$BASE"/runs/*/; do
    dir="${dir%/}"; other="${dir##*/}"
    [ "$other" = "$RUN" ] && continue
    if [ -f "$dir/outcome" ]; then
      # Ended, but reset before its cleanup: only a RollbackFailed run's backup is still needed.
      if [ -d "$dir/backup" ] || [ -d "$dir/stage" ]; then
        status=; while IFS= read -r line; do case "$line" in status=*) status="${line#status=}";; esac; done < "$dir/outcome"
        if [ "$status" != RollbackFailed ]; then rm -rf "$dir/backup" "$dir/stage" "$dir/unpack"; else rm -rf "$dir/stage" "$dir/unpack"; fi
      fi
      continue
    fi
    if [ -d "$dir/backup" ] && [ ! -f "$dir/backup/complete" ]; then
      # Died while backing up: nothing had changed yet (apply starts only once `complete` is on disk).
      journal recover "run $other died before its backup was complete; nothing had changed"
      printf -v text 'run=%s\nstatus=Failed\nstep=interrupted\nerror=%s\nended=%(%s)T\n' "$other" \
        "the agent of run $other died before its backup was complete; nothing had changed (found by run $RUN)" -1
      write_atomically "$dir/outcome" "$text"
      rm -rf "$dir/backup" "$dir/stage" "$dir/unpack"
      continue
    fi
    [ -f "$dir/backup/complete" ] || continue
    journal recover "run $other was interrupted; restoring its backup"
    local saved_backup="$BACKUP" saved_from="$FROM_SIG" saved_svcs="$RESTART_SVCS" err status=RolledBack text line
    BACKUP="$dir/backup"
    read_signature "$BACKUP/signature"; FROM_SIG="$SIG_READ"
    RESTART_SVCS=""
    while IFS= read -r line; do
      case "$line" in *" services "*) RESTART_SVCS="${line#* services }"; break ;; esac
    done 2>/dev/null < "$dir/journal"
    [ "$RESTART_SVCS" = none ] && RESTART_SVCS=""
    set_deadline "$ROLLBACK_TIMEOUT_SEC" "rollback limit ${ROLLBACK_TIMEOUT_SEC} s"
    if ! err=$( { rollback_restore && restart_services && rollback_validate; } 2>&1 ); then status=RollbackFailed; fi
    set_deadline "$TIMEOUT_SEC" "AgentTimeout ${TIMEOUT_SEC} s"
    read_signature
    err="the agent of run $other died mid-patch; recovered by run $RUN: ${err:-old state restored and validated}"
    printf -v text 'run=%s\nstatus=%s\nstep=interrupted\nerror=%s\nfrom_sig=%s\nto_sig=%s\nservices=%s\nended=%(%s)T\n' \
      "$other" "$status" "${err//$'\n'/ }" "$FROM_SIG" "$SIG_READ" "$RESTART_SVCS" -1
    sync
    write_atomically "$dir/outcome" "$text"
    sync
    if [ "$status" != RolledBack ]; then
      journal recover "failed: $err"
      BACKUP="$saved_backup"; KEPT_RUN="$other"; KEPT_BACKUP="$dir/backup"
      finish RollbackFailed recover "could not restore the backup of interrupted run $other: $err (backup kept in $dir/backup)"
    fi
    rm -rf "$dir/backup" "$dir/stage" "$dir/unpack"
    journal recover ok
    BACKUP="$saved_backup"; read_signature; FROM_SIG="$SIG_READ"; RESTART_SVCS="$saved_svcs"
  done
}
