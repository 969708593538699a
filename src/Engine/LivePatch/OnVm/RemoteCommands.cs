using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace SysVmPatch.Engine.LivePatch.OnVm
{
    /// <summary>
    /// The shell text of the few commands a patch sends, each one SSH command, so a patch costs a handful of
    /// connections even without connection sharing: preflight (state, disk, lock, last outcome), upload
    /// (payload + agent, checksums back), start-and-wait (verify, lock, detach the agent, tail its journal).
    /// </summary>
    internal static class RemoteCommands
    {
        public const string Base = "/var/cache/cloud/sysvmpatch";

        public static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

        public static string RunDir(string runId) => Base + "/runs/" + CheckRunId(runId);

        private static string CheckRunId(string runId)
        {
            if (runId.Length == 0 || runId.Any(c => !(char.IsLetterOrDigit(c) || c == '-' || c == '_')))
                throw new ArgumentException("A run id is letters, digits, '-' and '_' only.", nameof(runId));
            return runId;
        }

        /// <summary>Reads everything preflight needs as key=value lines; changes nothing.</summary>
        public static string Preflight() => $@"B={Base}
echo ""boot_done=$([ -f /var/cache/cloud/boot_up_done ] && echo 1 || echo 0)""
echo ""release=$(head -n 1 /etc/cloudstack-release 2>/dev/null)""
echo ""signature=$(tr -d ' \n' < /var/cache/cloud/cloud-scripts-signature 2>/dev/null)""
echo ""type=$(tr ' ' '\n' < /var/cache/cloud/cmdline 2>/dev/null | grep '^type=' | head -n 1 | cut -d= -f2)""
echo ""services=$(cat /var/cache/cloud/enabled_svcs 2>/dev/null | tr '\n' ' ')""
echo ""free_kb=$(df -Pk /var/cache/cloud 2>/dev/null | awk 'NR==2{{print $4}}')""
echo ""systemvm_kb=$(du -sk /usr/local/cloud/systemvm 2>/dev/null | cut -f1)""
if [ -d $B/lock ]; then
  echo ""lock_owner=$(tr '\n' ' ' < $B/lock/owner 2>/dev/null)""
  p=$(sed -n 's/^pid=//p' $B/lock/owner 2>/dev/null)
  if [ -n ""$p"" ] && kill -0 ""$p"" 2>/dev/null; then echo lock_alive=1; else echo lock_alive=0; fi
fi
for d in $B/runs/*/; do [ -f ""$d/backup/complete"" ] && [ ! -f ""$d/outcome"" ] && echo ""interrupted_run=$(basename ""$d"")""; done
last=$(cat $B/last 2>/dev/null)
if [ -n ""$last"" ]; then
  echo ""last_run=$last""
  if [ -f $B/runs/$last/outcome ]; then echo ""last_outcome=$(tr '\n' ';' < $B/runs/$last/outcome)""; fi
  if [ -f $B/runs/$last/journal ]; then echo ""last_journal=$(tail -n 1 $B/runs/$last/journal)""; fi
fi
exit 0
";

        /// <summary>PreChecks: each command in its own bash; stops at the first failure and names it.</summary>
        public static string PreChecks(IReadOnlyList<string> checks)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < checks.Count; i++)
                sb.Append("if ! bash -c ").Append(Quote(checks[i])).Append(" >/tmp/.svp-precheck 2>&1; then echo PRECHECK-FAILED ")
                  .Append(i.ToString(CultureInfo.InvariantCulture)).Append("; tail -n 5 /tmp/.svp-precheck; rm -f /tmp/.svp-precheck; exit 20; fi\n");
            sb.Append("rm -f /tmp/.svp-precheck; echo PRECHECKS-OK\n");
            return sb.ToString();
        }

        /// <summary>
        /// Receives the tar stream into the run's stage directory and prints the MD5 of what arrived. Also clears
        /// the stage directories older runs left (an upload that broke off), never one still in use.
        /// </summary>
        public static string Upload(string runId) => $@"set -e
B={Base}; D={RunDir(runId)}; S=$D/stage
held=$(sed -n 's/^run=//p' $B/lock/owner 2>/dev/null || true)
for old in $B/runs/*/stage; do
  [ -d ""$old"" ] || continue
  r=$(basename ""$(dirname ""$old"")"")
  [ ""$r"" = {CheckRunId(runId)} ] || [ ""$r"" = ""$held"" ] || find ""$old"" -maxdepth 0 -mmin +10 -exec rm -rf {{}} + 2>/dev/null || true
done
mkdir -p $S
cd $S
tar -xf -
md5sum *";

        /// <summary>Where a broken upload is removed from, best effort.</summary>
        public static string RemoveRun(string runId) => $"rm -rf {RunDir(runId)}";

        /// <summary>
        /// Verifies the staged files against the checksums the controller computed (an unverified file is never
        /// used), takes the VM's lock (mkdir: atomic), starts the agent detached and then waits for its outcome.
        /// Exit 10: checksum mismatch; 11: another run holds the lock; 0 with OUTCOME lines: the agent ended.
        /// </summary>
        public static string StartAndWait(string runId) => $@"B={Base}; RUN={CheckRunId(runId)}; D={RunDir(runId)}; S=$D/stage
cd $S 2>/dev/null || {{ echo 'VERIFY-FAILED stage directory missing'; exit 10; }}
if ! md5sum -c --quiet checksums.md5 >/dev/null 2>&1; then echo ""VERIFY-FAILED $(md5sum -c checksums.md5 2>&1 | grep -v ': OK$' | tr '\n' ' ')""; rm -rf $S; exit 10; fi
if ! mkdir $B/lock 2>/dev/null; then
  owner=$(tr '\n' ' ' < $B/lock/owner 2>/dev/null); pid=$(sed -n 's/^pid=//p' $B/lock/owner 2>/dev/null)
  age=$(( $(date +%s) - $(stat -c %Y $B/lock 2>/dev/null || date +%s) ))
  if {{ [ -n ""$pid"" ] && kill -0 ""$pid"" 2>/dev/null; }} || {{ [ -z ""$pid"" ] && [ $age -lt 120 ]; }}; then
    echo ""LOCKED $owner""; exit 11
  fi
  echo ""STALE-LOCK $owner""
  rm -rf $B/lock
  mkdir $B/lock 2>/dev/null || {{ echo 'LOCKED (taken meanwhile)'; exit 11; }}
fi
printf 'run=%s\nstarted=%s\n' $RUN ""$(date +%s)"" > $B/lock/owner
echo $RUN > $B/last
setsid nohup bash $S/agent.sh $RUN </dev/null >>$D/agent.log 2>&1 &
echo ""pid=$!"" >> $B/lock/owner
echo STARTED
" + Wait(runId);

        /// <summary>
        /// Blocks until the agent's outcome exists, streaming new journal lines as "J ..." so the controller can
        /// show each step. Exit 12 when the agent is gone without an outcome (killed with the VM).
        /// </summary>
        public static string Wait(string runId) => $@"D={RunDir(runId)}; B={Base}; n=0; gone=0
while :; do
  if [ -f $D/journal ]; then
    t=$(wc -l < $D/journal)
    if [ ""$t"" -gt ""$n"" ]; then sed -n ""$((n+1)),${{t}}p"" $D/journal | sed 's/^/J /'; n=$t; fi
  fi
  if [ -f $D/outcome ]; then echo OUTCOME-BEGIN; cat $D/outcome; echo OUTCOME-END; exit 0; fi
  pid=$(grep -x ""run={CheckRunId(runId)}"" -A5 $B/lock/owner 2>/dev/null | sed -n 's/^pid=//p')
  if [ -z ""$pid"" ] || ! kill -0 ""$pid"" 2>/dev/null; then
    gone=$((gone+1)); if [ $gone -gt 3 ]; then echo AGENT-GONE; exit 12; fi
  fi
  # The outcome is looked for every 50 ms (a builtin test, no fork), the journal and the agent every 300 ms.
  for i in 1 2 3 4 5 6; do [ -f $D/outcome ] && break; sleep 0.05; done
done";

        /// <summary>Parses key=value lines (the last value of a key wins).</summary>
        public static Dictionary<string, string> KeyValues(string text)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                int eq = line.IndexOf('=');
                if (eq > 0) map[line.Substring(0, eq)] = line.Substring(eq + 1);
            }
            return map;
        }
    }
}
