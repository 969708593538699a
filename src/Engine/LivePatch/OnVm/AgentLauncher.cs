using P = SysVmPatch.Engine.LivePatch.OnVm.AgentProtocol;

namespace SysVmPatch.Engine.LivePatch.OnVm
{
    /// <summary>
    /// The part of the start command that takes the VM's lock and starts the agent detached. Expects the shell
    /// variables B (base), RUN, D (run folder) and S (stage) set. Exits with RemoteExit.Locked when another run holds the lock.
    /// </summary>
    /// <remarks>
    /// The lock is a folder (mkdir is atomic). Taking over a stale one (its agent's pid is dead) is two steps,
    /// checking and replacing, so every takeover runs under flock on $B/lock.guard: two controllers that both
    /// find the same stale lock cannot both take it, and the second cannot remove the first one's fresh lock.
    /// The guard is held until the owner file names the agent's pid, so nobody finds a lock without one; the
    /// agent does not inherit the guard's descriptor. The last-run pointer ($B/last, which the preflight follows to
    /// the last outcome) is written beside itself, synced and renamed over the old one, like the agent's other state
    /// files: a VM reset mid-write leaves the old pointer or the new one, never an empty or torn one.
    /// </remarks>
    internal static class AgentLauncher
    {
        private static readonly string Exit = P.Code(RemoteExit.Locked);

        public static string TakeLockAndStart() => $@"exec 9>>$B/lock.guard
flock -w 30 9 || {{ echo '{P.Locked} (the lock guard stayed busy for 30 s)'; exit {Exit}; }}
if ! mkdir $B/lock 2>/dev/null; then
  owner=; pid=; while read -r x; do owner=""$owner$x ""; case $x in pid=*) pid=${{x#pid=}};; esac; done 2>/dev/null < $B/lock/owner
  age=$(( $(date +%s) - $(stat -c %Y $B/lock 2>/dev/null || date +%s) ))
  if {{ [ -n ""$pid"" ] && kill -0 ""$pid"" 2>/dev/null; }} || {{ [ -z ""$pid"" ] && [ $age -lt 120 ]; }}; then
    echo ""{P.Locked} $owner""; exit {Exit}
  fi
  echo ""{P.StaleLock} $owner""
  rm -rf $B/lock
  mkdir $B/lock 2>/dev/null || {{ echo '{P.Locked} (taken meanwhile)'; exit {Exit}; }}
fi
now=${{EPOCHSECONDS:-}}; [ -n ""$now"" ] || now=$(date +%s)
printf 'run=%s\nstarted=%s\n' $RUN $now > $B/lock/owner
echo $RUN > $B/last.tmp && sync $B/last.tmp 2>/dev/null; mv -f $B/last.tmp $B/last
setsid nohup bash $S/agent.sh $RUN </dev/null >>$D/agent.log 2>&1 9>&- &
echo ""pid=$!"" >> $B/lock/owner
exec 9>&-
echo {P.Started}
";
    }
}
