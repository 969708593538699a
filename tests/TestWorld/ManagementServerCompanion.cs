using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Json;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.NamespaceLab;

namespace SysVmPatch.TestWorld
{
    /// <summary>
    /// Starts the fake management server beside the lab for `up`, and leaves what a newcomer needs to connect in
    /// two owner-only files: a CloudMonkey config (profile "lab") and a JSON file for the Pester tests. The secret
    /// is only ever in those files, never printed. The server speaks https with a self-signed certificate, as a
    /// management server behind its own CA would, so nothing in the lab needs -AllowUnencryptedAuthentication.
    /// </summary>
    internal static class ManagementServerCompanion
    {
        public const string ProfileName = "lab";

        public static async Task<IAsyncDisposable?> StartAsync(LabUpContext context, CancellationToken cancellationToken)
        {
            var lab = context.Lab;
            var server = await FakeCloudStackServer.StartAsync(lab.Topology, lab, new FakeCloudStackOptions { Name = ProfileName, UseHttps = true }, cancellationToken).ConfigureAwait(false);

            string cmkConfig = Path.Combine(lab.RootDirectory, "cmk.config");
            WriteOwnerOnly(cmkConfig,
                $"[core]\nprofile = {ProfileName}\n\n[{ProfileName}]\nurl = {server.Endpoint}\napikey = {server.ApiKey}\nsecretkey = {server.SecretKey}\nverifycert = false\n");
            string stateFile = Path.Combine(lab.RootDirectory, "sysvmpatch-lab.json");
            WriteOwnerOnly(stateFile, JsonWriter.Write(new System.Collections.Generic.Dictionary<string, object?>
            {
                ["Endpoint"] = server.Endpoint.ToString(),
                ["ApiKey"] = server.ApiKey,
                ["SecretKey"] = server.SecretKey,
                // https with a certificate made at start: nothing trusts it, so clients skip the check (never plain http).
                ["SkipCertificateCheck"] = true,
                ["CloudMonkeyConfig"] = cmkConfig,
                ["KeyFile"] = lab.PrivateKeyPath,
                ["KnownHostsFile"] = lab.KnownHostsPath,
                ["SshConfigFile"] = lab.SshConfigPath,
            }));

            context.State["endpoint"] = server.Endpoint.ToString();
            context.State["cmk-config"] = cmkConfig;
            context.State["pester-state"] = stateFile;
            context.State["pwsh"] = $"Import-Module ./SysVmPatch.psd1; Connect-SysVmCloud -Profile {ProfileName} -ConfigPath {cmkConfig}; Get-SystemVm";
            context.State["ssh-options"] = $"-KeyFile {lab.PrivateKeyPath} -KnownHostsFile {lab.KnownHostsPath}";
            return server;
        }

        internal static void WriteOwnerOnly(string path, string text)
        {
            File.WriteAllText(path, "");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(path, text);
        }
    }
}
