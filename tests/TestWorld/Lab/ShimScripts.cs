namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>
    /// The systemctl and service stand-ins each VM gets in its upper dir (they shadow the host's). State lives per
    /// service in /var/lib/labshim/state/&lt;svc&gt;, faults in /var/lib/labshim/faults/&lt;svc&gt;, and every call is
    /// appended to /var/lib/labshim/calls.log as "&lt;epoch-ms&gt; systemctl &lt;args&gt;".
    /// </summary>
    internal static class ShimScripts
    {
        public const string Systemctl = """
#!/bin/bash
# Lab stand-in for systemctl: services are files under /var/lib/labshim, faults make them fail on purpose.
d=/var/lib/labshim
mkdir -p "$d/state" "$d/faults"
[ -n "$LABSHIM_NOLOG" ] || printf '%s systemctl %s\n' "$(date +%s%3N)" "$*" >> "$d/calls.log"
quiet=0
args=()
for a in "$@"; do
  case "$a" in
    -q|--quiet) quiet=1 ;;
    --no-pager|--no-block|--no-ask-password|--system|--full|-l|--no-legend|--plain) ;;
    -p|--property) args+=("--property") ;;
    --property=*) args+=("--property" "${a#--property=}") ;;
    *) args+=("$a") ;;
  esac
done
verb="${args[0]}"
units=("${args[@]:1}")

unit_name() { local u="${1%.service}"; echo "${u##*/}"; }
known() { [ -e "$d/state/$1" ]; }
state_of() { if known "$1"; then cat "$d/state/$1"; else echo inactive; fi; }
set_state() { echo "$2" > "$d/state/$1"; }
say() { [ "$quiet" = 1 ] || echo "$@"; }
not_found() { echo "Failed to $verb $1.service: Unit $1.service not found." >&2; }

start_unit() {
  local s="$1" f
  f="$(cat "$d/faults/$s" 2>/dev/null)"
  case "$f" in
    slow:*) set_state "$s" activating; sleep "${f#slow:}" ;;
    # A start that never returns (a unit stuck activating): only a timeout ends it.
    hang) set_state "$s" activating; exec sleep infinity ;;
    hang-restart) rm -f "$d/faults/$s"; set_state "$s" activating; exec sleep infinity ;;
  esac
  case "$f" in
    fail)
      set_state "$s" failed
      echo "Job for $s.service failed because the control process exited with error code." >&2
      return 1 ;;
    fail-once)
      rm -f "$d/faults/$s"
      set_state "$s" failed
      echo "Job for $s.service failed because the control process exited with error code." >&2
      return 1 ;;
  esac
  set_state "$s" active
}

rc=0
case "$verb" in
  daemon-reload|daemon-reexec|reset-failed) exit 0 ;;
  enable|disable|mask|unmask) exit 0 ;;
esac
if [ "${#units[@]}" -eq 0 ]; then
  case "$verb" in
    list-units|"") for f in "$d"/state/*; do [ -e "$f" ] && echo "$(basename "$f").service loaded $(cat "$f")"; done; exit 0 ;;
    *) echo "Too few arguments." >&2; exit 1 ;;
  esac
fi
prop=""
if [ "$verb" = show ]; then
  while [ "${units[0]}" = "--property" ]; do prop="$prop,${units[1]}"; units=("${units[@]:2}"); done
fi
for u in "${units[@]}"; do
  s="$(unit_name "$u")"
  case "$verb" in
    start|restart)
      if ! known "$s"; then not_found "$s"; rc=5; continue; fi
      start_unit "$s" || rc=1 ;;
    try-restart|condrestart)
      if known "$s" && [ "$(state_of "$s")" = active ]; then start_unit "$s" || rc=1; fi ;;
    reload|reload-or-restart)
      if ! known "$s"; then not_found "$s"; rc=5; continue; fi
      if [ "$verb" = reload ] && [ "$(state_of "$s")" != active ]; then
        echo "Job for $s.service failed: unit is not active." >&2; rc=1
      else
        [ "$verb" = reload ] || start_unit "$s" || rc=1
      fi ;;
    stop)
      if ! known "$s"; then not_found "$s"; rc=5; continue; fi
      set_state "$s" inactive ;;
    kill) known "$s" && set_state "$s" failed ;;
    is-active)
      st="$(state_of "$s")"; say "$st"
      [ "$st" = active ] || rc=3 ;;
    is-failed)
      st="$(state_of "$s")"; say "$st"
      [ "$st" = failed ] || rc=1 ;;
    is-enabled)
      if grep -qw -- "$s" /var/cache/cloud/enabled_svcs 2>/dev/null; then say enabled
      elif known "$s"; then say disabled; rc=1
      else echo "Failed to get unit file state for $s.service: No such file or directory" >&2; rc=1; fi ;;
    status)
      if ! known "$s"; then echo "Unit $s.service could not be found." >&2; rc=4; continue; fi
      st="$(state_of "$s")"
      case "$st" in active) sub=running ;; failed) sub=failed ;; activating) sub=start ;; *) sub=dead ;; esac
      echo "* $s.service - $s (lab stand-in)"
      echo "     Loaded: loaded (/lib/systemd/system/$s.service; enabled)"
      echo "     Active: $st ($sub)"
      [ "$st" = active ] || rc=3 ;;
    show)
      st="$(state_of "$s")"
      case "$st" in active) sub=running ;; failed) sub=failed ;; *) sub=dead ;; esac
      for p in ${prop//,/ }; do
        case "$p" in
          ActiveState) echo "ActiveState=$st" ;;
          SubState) echo "SubState=$sub" ;;
          LoadState) if known "$s"; then echo "LoadState=loaded"; else echo "LoadState=not-found"; fi ;;
          *) echo "$p=" ;;
        esac
      done
      [ -n "$prop" ] || { echo "Id=$s.service"; echo "ActiveState=$st"; echo "SubState=$sub"; } ;;
    *) echo "Unknown command verb $verb." >&2; exit 1 ;;
  esac
done
exit $rc
""";

        public const string Service = """
#!/bin/bash
# Lab stand-in for service(8): records the call, then does what systemctl would.
d=/var/lib/labshim
printf '%s service %s\n' "$(date +%s%3N)" "$*" >> "$d/calls.log"
if [ $# -lt 2 ]; then echo "Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]" >&2; exit 1; fi
svc="$1"; action="$2"
case "$action" in
  --full-restart) action=restart ;;
esac
LABSHIM_NOLOG=1 exec /usr/bin/systemctl "$action" "$svc"
""";
    }
}
