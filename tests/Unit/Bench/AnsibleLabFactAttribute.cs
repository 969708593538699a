namespace SysVmPatch.Tests.Bench
{
    /// <summary>
    /// A lab fact that also needs ansible-playbook: reported as skipped, with the reason, where it is missing
    /// (.ci/run installs ansible-core, so there it runs).
    /// </summary>
    public sealed class AnsibleLabFactAttribute : FactAttribute
    {
        public AnsibleLabFactAttribute()
        {
            var why = Infrastructure.LabRequirements.Missing();
            if (why != null) Skip = why;
            else if (!BenchSmokeRun.AnsibleInstalled) Skip = "ansible-playbook is not installed (apt-get install ansible-core): the Ansible side of the benchmark cannot run";
        }
    }
}
