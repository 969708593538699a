using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Json;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.TestWorld
{
    /// <summary>
    /// `hostile-api --state &lt;file&gt; [--parent &lt;pid&gt;]`: the fake management server alone (no namespaces, no root, no VMs to reach),
    /// answering with hostile values, for the Pester tests that check no escape sequence or control character from the
    /// API reaches a console stream: a router whose name carries an OSC title change, a colour, a bell, a line break
    /// and a bidi override; a template version that clears the screen; a host name with a hyperlink; and a rebootRouter
    /// job that fails with an error text full of them. Writes an owner-only JSON state file (Endpoint, ApiKey,
    /// SecretKey, SkipCertificateCheck, the hostile router's id and name) and serves until SIGTERM, or until the
    /// process --parent names is gone (so a test that dies leaves no server behind).
    /// </summary>
    internal static class HostileApiServer
    {
        /// <summary>Everything a terminal acts on, and what hides text: what a hostile value carries.</summary>
        public const string Payload = "\u001b]0;owned\u0007\u001b[31m\u001b[2J\u0007\r\n\u202e\u009b1m";

        public static async Task<int> RunAsync(string[] args)
        {
            string? statePath = null;
            int? parent = null;
            for (int i = 0; i + 1 < args.Length; i += 2)
            {
                if (args[i] == "--state") statePath = args[i + 1];
                else if (args[i] == "--parent" && int.TryParse(args[i + 1], out int pid)) parent = pid;
                else statePath = null;
            }
            if (statePath is null) { Console.Error.WriteLine("usage: SysVmPatch.TestWorld hostile-api --state <file> [--parent <pid>]"); return 2; }

            var lab = new ResolvedLab(LabSpec.Generate(1, 1, 3));
            await using var server = await FakeCloudStackServer.StartAsync(lab, null,
                new FakeCloudStackOptions { Name = "hostile", UseHttps = true, JobPendingTime = TimeSpan.FromMilliseconds(100) }).ConfigureAwait(false);
            var router = lab.Vm("r-3-VM");
            server.SetApiName(router.Name, "r-3-VM" + Payload);
            server.SetTemplateVersion(router.Name, "4.18.0" + Payload);
            server.SetSoftwareVersion(router.Name, Payload + "4.18.0");
            server.SetHostAgentVersion(router.Host.Name, "\u001b]8;;http://evil.example/\u0007click\u001b]8;;\u0007");
            for (int i = 0; i < 100; i++) server.Faults.FailJob(router.Id, "rebootRouter", "reboot failed:" + Payload + " host on fire\u001b[0m");

            ManagementServerCompanion.WriteOwnerOnly(statePath, JsonWriter.Write(new Dictionary<string, object?>
            {
                ["Endpoint"] = server.Endpoint.ToString(),
                ["ApiKey"] = server.ApiKey,
                ["SecretKey"] = server.SecretKey,
                ["SkipCertificateCheck"] = true,
                ["HostileVmId"] = router.Id,
                ["HostileVmName"] = "r-3-VM" + Payload,
            }));
            Console.WriteLine("hostile-api " + server.Endpoint);

            using var stop = new CancellationTokenSource();
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            if (parent is int watched) _ = WatchParentAsync(watched, stop);
            try { await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            File.Delete(statePath);
            return 0;
        }

        private static async Task WatchParentAsync(int pid, CancellationTokenSource stop)
        {
            while (!stop.IsCancellationRequested)
            {
                try { using var p = System.Diagnostics.Process.GetProcessById(pid); if (p.HasExited) break; }
                catch (ArgumentException) { break; }
                await Task.Delay(1000).ConfigureAwait(false);
            }
            stop.Cancel();
        }
    }
}
