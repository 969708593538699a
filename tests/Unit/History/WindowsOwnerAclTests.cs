using System;
using System.IO;
using System.Linq;
using System.Security.AccessControl;
using System.Security.Principal;
using SysVmPatch.Engine.History;

namespace SysVmPatch.Tests.History
{
    /// <summary>
    /// The Windows half of the owner-only history. What can be checked off Windows: the DACL it asks for (protected,
    /// one entry, the user, full control, inherited in a folder), that a hostile SID string cannot add entries, and
    /// that the ACL path is the one chosen only on Windows. The ACL itself is applied only on a Windows machine.
    /// </summary>
    public sealed class WindowsOwnerAclTests
    {
        [Fact]
        public void The_dacl_is_protected_and_names_only_the_user_with_full_control()
        {
            Assert.Equal("D:P(A;OICI;FA;;;S-1-5-21-1-2-3-1001)", WindowsOwnerAcl.Sddl("S-1-5-21-1-2-3-1001", folder: true));
            Assert.Equal("D:P(A;;FA;;;S-1-5-21-1-2-3-1001)", WindowsOwnerAcl.Sddl("S-1-5-21-1-2-3-1001", folder: false));
        }

        [Theory]
        [InlineData("S-1-5-21-1)(A;;FA;;;WD")]
        [InlineData("WD")]
        [InlineData("")]
        public void A_value_that_is_not_a_plain_sid_is_refused_rather_than_spliced_into_the_dacl(string sid)
        {
            Assert.Throws<ArgumentException>(() => WindowsOwnerAcl.Sddl(sid, folder: true));
        }

        [Fact]
        public void The_acl_path_is_taken_on_windows_and_the_mode_path_everywhere_else()
        {
            var expected = OperatingSystem.IsWindows() ? OwnerOnly.Protection.WindowsAcl : OwnerOnly.Protection.UnixMode;
            Assert.Equal(expected, OwnerOnly.Kind);
            if (!OperatingSystem.IsWindows())
                Assert.Throws<PlatformNotSupportedException>(() => WindowsOwnerAcl.Restrict("/tmp", folder: true));
        }

        [WindowsFact]
        public void On_windows_a_new_store_and_its_file_admit_only_the_current_user()
        {
            if (!OperatingSystem.IsWindows()) return; // skipped elsewhere by WindowsFact; this line only tells the analyzer
            using var temp = new TempHistoryFolder();
            string folder = Path.Combine(temp.Folder, "new", "SysVmPatch");
            var store = new HistoryStore(Path.Combine(folder, "history.jsonl"));
            store.Append(SampleRecords.Numbered(1));
            var user = WindowsIdentity.GetCurrent().User!;
            foreach (FileSystemSecurity acl in new FileSystemSecurity[] { new DirectoryInfo(folder).GetAccessControl(), new FileInfo(store.Path).GetAccessControl() })
            {
                Assert.True(acl.AreAccessRulesProtected, "the DACL must not inherit from the parent");
                var rules = acl.GetAccessRules(true, true, typeof(SecurityIdentifier)).Cast<FileSystemAccessRule>().ToList();
                var rule = Assert.Single(rules);
                Assert.Equal(user, rule.IdentityReference);
                Assert.Equal(AccessControlType.Allow, rule.AccessControlType);
                Assert.Equal(FileSystemRights.FullControl, rule.FileSystemRights & FileSystemRights.FullControl);
            }
        }
    }

    /// <summary>A test of Windows ACLs: skipped elsewhere, with the reason.</summary>
    public sealed class WindowsFactAttribute : FactAttribute
    {
        public WindowsFactAttribute()
        {
            if (!OperatingSystem.IsWindows()) Skip = "Windows ACLs: this machine is not Windows (the unit tests above check the DACL asked for and that only Windows takes this path)";
        }
    }
}
