using System.IO;
using System.Reflection;
using System.Text;

namespace SysVmPatch.Engine.LivePatch.OnVm
{
    /// <summary>
    /// The bash agent that patches a VM on the VM itself (OnVm/agent.sh) with its rollback (Rollback/rollback.sh) and
    /// its CA certificate and JRE steps (OnVm/javatrust.sh) appended, as one script uploaded with the payload.
    /// </summary>
    internal static class AgentScript
    {
        private static string? _text;

        public static string Text => _text ??= Compose();

        private static string Compose()
        {
            string main = Read("SysVmPatch.LivePatch.agent.sh");
            string rollback = Read("SysVmPatch.LivePatch.rollback.sh") + "\n" + Read("SysVmPatch.LivePatch.javatrust.sh");
            // Functions must be defined before the main sequence at the end of agent.sh runs.
            const string marker = "journal agent \"pid $$\"";
            int at = main.IndexOf(marker, System.StringComparison.Ordinal);
            return (main.Substring(0, at) + rollback + "\n" + main.Substring(at)).Replace("\r\n", "\n");
        }

        private static string Read(string name)
        {
            using var stream = typeof(AgentScript).GetTypeInfo().Assembly.GetManifestResourceStream(name)
                ?? throw new FileNotFoundException("Embedded resource missing: " + name);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }

        public static byte[] Bytes => new UTF8Encoding(false).GetBytes(Text);
    }
}
