using Xunit;

namespace SysVmPatch.Tests.NamespaceLab
{
    /// <summary>Only one namespace lab can run per machine (fixed bridge and addresses): these tests run one at a time.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class LabCollection
    {
        public const string Name = "NamespaceLab";
    }
}
