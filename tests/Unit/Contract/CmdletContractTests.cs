using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SysVmPatch.Tests.Infrastructure;

namespace SysVmPatch.Tests.Contract
{
    /// <summary>What every cmdlet owes its users, checked on the built assembly, the manifest and the help.</summary>
    public class CmdletContractTests : IClassFixture<CmdletMetadataFixture>
    {
        // Cmdlets that change remote state: they must support -WhatIf/-Confirm and default to asking.
        private static readonly string[] HighImpact = { "Invoke-LivePatch", "Restart-SysVm", "Clear-SysVmAttention" };
        private readonly CmdletMetadata _meta;

        public CmdletContractTests(CmdletMetadataFixture fixture) { _meta = fixture.Metadata; }

        [Fact]
        public void There_are_cmdlets_to_check()
        {
            Assert.Contains(_meta.All, c => c.Name == "Get-SystemVm");
        }

        [Fact]
        public void Every_cmdlet_uses_an_approved_verb()
        {
            var approved = _meta.ApprovedVerbs();
            Assert.Contains("Get", approved);
            Assert.DoesNotContain("Patch", approved);
            var offenders = _meta.All.Where(c => !approved.Contains(c.Verb)).Select(c => c.Name).ToList();
            Assert.True(offenders.Count == 0, "Unapproved verbs: " + string.Join(", ", offenders));
        }

        [Fact]
        public void Every_cmdlet_declares_its_output_type()
        {
            var missing = _meta.All.Where(c => !c.HasAttribute("System.Management.Automation.OutputTypeAttribute")).Select(c => c.Name).ToList();
            Assert.True(missing.Count == 0, "No [OutputType]: " + string.Join(", ", missing));
        }

        [Fact]
        public void Every_cmdlet_class_is_a_sealed_Command()
        {
            var bad = _meta.All.Where(c => !c.Type.IsSealed || !c.Type.Name.EndsWith("Command", StringComparison.Ordinal)).Select(c => c.Type.Name).ToList();
            Assert.True(bad.Count == 0, "Not sealed *Command: " + string.Join(", ", bad));
        }

        [Fact]
        public void State_changing_cmdlets_support_ShouldProcess_with_high_impact()
        {
            foreach (var name in HighImpact)
            {
                var c = _meta.All.FirstOrDefault(x => x.Name == name);
                if (c == null) continue; // not written yet; the manifest test catches a missing export
                Assert.True(c.SupportsShouldProcess, name + " must support ShouldProcess");
                Assert.Equal("High", c.ConfirmImpact);
            }
            // ConvertTo only turns objects into text, as ConvertTo-Json does; Enter opens an interactive session, which
            // changes nothing by itself (as Enter-PSSession, no -WhatIf).
            var readOnlyVerbs = new[] { "Get", "Compare", "Connect", "Disconnect", "ConvertTo", "Enter" };
            foreach (var c in _meta.All.Where(c => !readOnlyVerbs.Contains(c.Verb)))
                Assert.True(c.SupportsShouldProcess, c.Name + " changes state and must support ShouldProcess");
        }

        [Fact]
        public void Manifest_exports_exactly_the_cmdlet_classes()
        {
            string manifest = File.ReadAllText(RepoPaths.Combine("SysVmPatch.psd1"));
            var block = Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\((?<list>[^)]*)\)").Groups["list"].Value;
            var exported = Regex.Matches(block, @"'([^']+)'").Select(m => m.Groups[1].Value).OrderBy(s => s, StringComparer.Ordinal).ToList();
            Assert.Equal(_meta.All.Select(c => c.Name).ToList(), exported);
        }

        [Fact]
        public void Manifest_version_is_the_one_in_Directory_Build_props()
        {
            string manifest = File.ReadAllText(RepoPaths.Combine("SysVmPatch.psd1"));
            string manifestVersion = Regex.Match(manifest, @"ModuleVersion\s*=\s*'([^']+)'").Groups[1].Value;
            string propsVersion = XDocument.Load(RepoPaths.Combine("Directory.Build.props")).Descendants("VersionPrefix").Single().Value;
            Assert.Equal(propsVersion, manifestVersion);
            Assert.Matches(@"CompatiblePSEditions\s*=\s*@\('Desktop',\s*'Core'\)", manifest);
            Assert.Matches(@"PowerShellVersion\s*=\s*'5\.1'", manifest);
        }

        [Fact]
        public void Manifest_format_files_exist_and_are_xml()
        {
            string manifest = File.ReadAllText(RepoPaths.Combine("SysVmPatch.psd1"));
            var block = Regex.Match(manifest, @"FormatsToProcess\s*=\s*@\((?<list>[^)]*)\)").Groups["list"].Value;
            var files = Regex.Matches(block, @"'([^']+)'").Select(m => m.Groups[1].Value).ToList();
            Assert.NotEmpty(files);
            foreach (var f in files)
            {
                var doc = XDocument.Load(RepoPaths.Combine(f.Split('/')));
                Assert.Equal("Configuration", doc.Root!.Name.LocalName);
            }
        }

        [Fact]
        public void Every_cmdlet_has_help_naming_each_parameter()
        {
            foreach (var c in _meta.All)
            {
                string path = RepoPaths.Combine("docs", "help", c.Name + ".md");
                Assert.True(File.Exists(path), $"{c.Name} has no help file at docs/help/{c.Name}.md");
                string text = File.ReadAllText(path);
                Assert.Contains("# " + c.Name, text);
                Assert.Contains("## EXAMPLES", text);
                foreach (var p in c.Parameters())
                    Assert.True(text.Contains("### -" + p.Name + "\n", StringComparison.Ordinal) || text.Contains("### -" + p.Name + "\r\n", StringComparison.Ordinal),
                        $"docs/help/{c.Name}.md does not describe -{p.Name}");
            }
        }

        [Fact]
        public void The_engine_does_not_reference_System_Management_Automation()
        {
            var engine = typeof(SysVmPatch.Engine.Inventory.SystemVm).Assembly;
            Assert.DoesNotContain(engine.GetReferencedAssemblies(), a => a.Name == "System.Management.Automation");
        }
    }

    public sealed class CmdletMetadataFixture : IDisposable
    {
        public CmdletMetadata Metadata { get; } = new CmdletMetadata();
        public void Dispose() => Metadata.Dispose();
    }
}
