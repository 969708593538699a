using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.TestWorld.NamespaceLab;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Bench
{
    /// <summary>
    /// Checks, by reading each VM's files and service states directly (not through the method under test), that
    /// a method really patched every VM: the signature equals the bundle's MD5, SSVM/CPVM run the bundle's agent
    /// with their own agent.properties kept, and every enabled service was restarted and is active.
    /// </summary>
    public static class PatchVerifier
    {
        /// <summary>One line per VM that is not patched; empty when all are.</summary>
        public static List<string> Problems(Lab lab, Payload payload)
        {
            var problems = new List<string>();
            long jarBytes = AgentJarBytes(payload);
            foreach (var vm in lab.Topology.Vms)
            {
                string sig = Read(lab, vm, "/var/cache/cloud/cloud-scripts-signature");
                if (!string.Equals(sig, payload.Bundle.Signature, StringComparison.OrdinalIgnoreCase))
                    problems.Add($"{vm.Name}: signature '{sig}', expected {payload.Bundle.Signature}");
                if (!Read(lab, vm, "/opt/cloud/bin/new_in_bench.sh").Contains(Payload.Version, StringComparison.Ordinal))
                    problems.Add($"{vm.Name}: the bundle's scripts are not in /opt/cloud/bin");
                if (vm.Type != SystemVmType.Router)
                {
                    if (Read(lab, vm, "/usr/local/cloud/systemvm/" + Payload.AgentMarkerFile) != Payload.Version)
                        problems.Add($"{vm.Name}: agent not replaced (systemvm/version is not {Payload.Version})");
                    var jar = new FileInfo(lab.VmPath(vm.Name, "/usr/local/cloud/systemvm/cloud-agent.jar"));
                    if (!jar.Exists || jar.Length != jarBytes) problems.Add($"{vm.Name}: cloud-agent.jar is not the bundle's");
                    if (!File.Exists(lab.VmPath(vm.Name, "/usr/local/cloud/systemvm/conf/agent.properties")))
                        problems.Add($"{vm.Name}: conf/agent.properties was lost");
                }
                var calls = lab.ServiceCalls(vm.Name);
                foreach (var svc in vm.Spec.ServicesOrDefault())
                {
                    string state = lab.ServiceState(vm.Name, svc);
                    if (state != "active") problems.Add($"{vm.Name}: {svc} is {state}");
                    if (!calls.Any(c => c.EndsWith(" restart " + svc, StringComparison.Ordinal)))
                        problems.Add($"{vm.Name}: {svc} was not restarted");
                }
            }
            return problems;
        }

        private static long AgentJarBytes(Payload payload)
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(payload.Bundle.AgentZipPath);
            return zip.Entries.First(e => e.FullName.EndsWith("cloud-agent.jar", StringComparison.Ordinal)).Length;
        }

        private static string Read(Lab lab, LabVm vm, string path)
        {
            string file = lab.VmPath(vm.Name, path);
            return File.Exists(file) ? File.ReadAllText(file).Trim() : "";
        }
    }
}
