using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.Ssh
{
    public static class SshClientExtensions
    {
        /// <summary>Opens a session to <paramref name="vm"/> along its route, runs one command, and closes it.</summary>
        public static async Task<SshCommandResult> RunOnVmAsync(this ISshClient client, SystemVm vm, SshRouteOptions options, SshCommand command, CancellationToken cancellationToken)
        {
            using var session = await client.OpenAsync(vm.Name, SshRouteBuilder.Build(vm, options), cancellationToken).ConfigureAwait(false);
            try { return await session.RunAsync(command, cancellationToken).ConfigureAwait(false); }
            finally { await session.CloseAsync().ConfigureAwait(false); }
        }
    }
}
