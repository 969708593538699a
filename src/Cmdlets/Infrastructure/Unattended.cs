using System;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Reflection;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>
    /// Tells whether anybody can answer a confirmation prompt in this host. A scheduled task, Ansible or a DSC run has
    /// nobody at the keyboard: pwsh -NonInteractive throws at the prompt with a message that names no way out, a console
    /// whose input is redirected reads the answer from a pipe that may never be written (a hang) or from end of file,
    /// and a runspace without a UI has nobody to ask at all.
    /// </summary>
    internal static class Unattended
    {
        /// <summary>Why nobody can answer a prompt here (a phrase to finish "nobody can answer it: ..."), or null when somebody can.</summary>
        public static string? WhyNobodyCanAnswer(PSHost? host)
        {
            if (host is null || !HasUserInterface(host)) return "this PowerShell host has no user interface";
            // Only PowerShell's own console reads prompts from this process's console and takes pwsh's switches; any
            // other host (an editor, a test host, a remoting session, whose prompts reach the client) answers its own way.
            if (!string.Equals(host.Name, "ConsoleHost", StringComparison.Ordinal)) return null;
            if (!Environment.UserInteractive) return "the process runs without an interactive session (a service or a scheduled task)";
            if (StartedNonInteractive(Environment.GetCommandLineArgs())) return "PowerShell was started with -NonInteractive";
            if (Console.IsInputRedirected) return "standard input is redirected, so there is no console to answer from";
            return null;
        }

        /// <summary>
        /// A cmdlet sees PowerShell's wrapper around the application's host, whose UI is never null: it throws
        /// HostFunctionNotImplemented at the prompt when the application's own host has none. So the wrapped host is
        /// looked at too (PowerShell's default host, "Default Host", is the one a bare runspace gets).
        /// </summary>
        private static bool HasUserInterface(PSHost host)
        {
            if (host.UI is null || host.Name == "Default Host") return false;
            var wrapped = host.GetType().GetProperty("ExternalHost", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
            return !(wrapped?.GetValue(host) is PSHost external) || (external.UI != null && external.Name != "Default Host");
        }

        /// <summary>
        /// Whether pwsh's (or powershell.exe's) own arguments hold -NonInteractive, as pwsh matches it: any prefix of the
        /// word down to "noni", after "-", "--" or "/". Pwsh's own arguments end at -Command or -File (or their prefixes):
        /// what follows belongs to the command or the script. Other words are values of pwsh's switches and are passed over.
        /// </summary>
        internal static bool StartedNonInteractive(string[] commandLine)
        {
            for (int i = 1; i < commandLine.Length; i++)
            {
                string name = SwitchName(commandLine[i]);
                if (name.Length == 0) continue;
                if (name.Length >= 4 && "noninteractive".StartsWith(name, StringComparison.Ordinal)) return true;
                if ("command".StartsWith(name, StringComparison.Ordinal) || "file".StartsWith(name, StringComparison.Ordinal)
                    || name == "commandwithargs" || name == "cwa") return false;
            }
            return false;
        }

        // "-NoNi", "--noni" and (Windows) "/noni" name a switch; a path such as /tmp/x.ps1 does not.
        private static string SwitchName(string arg)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal)) return arg.Substring(2).ToLowerInvariant();
            if (arg.StartsWith("-", StringComparison.Ordinal)) return arg.Substring(1).ToLowerInvariant();
            if (arg.StartsWith("/", StringComparison.Ordinal) && arg.IndexOf('/', 1) < 0 && arg.IndexOf('.') < 0) return arg.Substring(1).ToLowerInvariant();
            return "";
        }
    }
}
