using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.LivePatch.OnVm;

namespace SysVmPatch.Engine.LivePatch.Upload
{
    /// <summary>One member of the payload: a bundle file read from disk, or bytes built here.</summary>
    internal sealed record StagedFile(string Name, string? Path, byte[]? Bytes, long Length, string Md5)
    {
        public Task WriteAsync(Stream stream, CancellationToken ct)
        {
            if (Bytes != null) return TarStreamWriter.WriteBytesAsync(stream, Name, Bytes, ct);
            return WriteFromDiskAsync();
            async Task WriteFromDiskAsync()
            {
                using var content = File.OpenRead(Path!);
                await TarStreamWriter.WriteFileAsync(stream, Name, content, Length, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The files a VM receives, in upload order: agent.zip (SSVM/CPVM only), cloud-scripts.tgz, the bundle's CA
    /// certificates and JRE (SSVM/CPVM only, when it has them), the agent, its
    /// parameters, and last the checksum list the VM verifies against.
    /// </summary>
    internal static class Payload
    {
        /// <summary>A staged CA certificate's name: this prefix and its file name (agent.sh reads $STAGE/cacert-*.crt).</summary>
        public const string CaStagePrefix = "cacert-";

        public static IReadOnlyList<StagedFile> Build(PatchBundle bundle, bool agentVm, string cmdlineType, IReadOnlyList<string> postChecks, System.TimeSpan agentTimeout)
        {
            var list = new List<StagedFile>();
            if (agentVm) list.Add(new StagedFile(PatchBundle.AgentFileName, bundle.AgentZipPath, null, bundle.AgentZipBytes, bundle.AgentZipMd5));
            list.Add(new StagedFile(PatchBundle.ScriptsFileName, bundle.ScriptsPath, null, bundle.ScriptsBytes, bundle.Signature));
            // CA certificates and a JRE go to SSVMs and CPVMs only: routers run no Java agent.
            if (agentVm)
            {
                foreach (var ca in bundle.Extras.CaCertificates) list.Add(new StagedFile(CaStagePrefix + ca.Name, ca.Path, null, ca.Bytes, ca.Md5));
                if (bundle.Extras.JrePath is string jre) list.Add(new StagedFile(BundleExtras.JreFileName, jre, null, bundle.Extras.JreBytes, bundle.Extras.JreMd5!));
            }
            list.Add(FromBytes("agent.sh", AgentScript.Bytes));
            list.Add(FromBytes("params", Encoding.UTF8.GetBytes(Params(bundle, cmdlineType, postChecks) + AgentLimits.Params(agentTimeout))));
            // The checksum list the VM verifies against: what this controller computed locally. It must stay the last
            // member: the upload's commit point (see AgentRun).
            var sums = new StringBuilder();
            foreach (var f in list) sums.Append(f.Md5).Append("  ").Append(f.Name).Append('\n');
            list.Add(FromBytes("checksums.md5", Encoding.ASCII.GetBytes(sums.ToString())));
            return list;
        }

        public static long TotalBytes(IReadOnlyList<StagedFile> files) => files.Sum(f => f.Length);

        private static StagedFile FromBytes(string name, byte[] bytes) => new StagedFile(name, null, bytes, bytes.Length, Md5(bytes));

        private static string Params(PatchBundle bundle, string cmdlineType, IReadOnlyList<string> postChecks)
        {
            var checks = string.Join("\n", postChecks.Select(c => System.Convert.ToBase64String(Encoding.UTF8.GetBytes(c))));
            return $"EXPECTED_SIG={RemoteCommands.Quote(bundle.Signature)}\nVM_TYPE={RemoteCommands.Quote(cmdlineType)}\nPOSTCHECKS_B64={RemoteCommands.Quote(checks)}\n";
        }

        private static string Md5(byte[] bytes)
        {
            using var md5 = System.Security.Cryptography.MD5.Create();
            return PatchBundle.Hex(md5.ComputeHash(bytes));
        }
    }
}
