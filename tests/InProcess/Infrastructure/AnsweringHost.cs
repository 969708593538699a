using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace SysVmPatch.InProcess.Infrastructure
{
    /// <summary>
    /// A PowerShell host whose user answers every confirmation prompt with a chosen label ("No", "Yes"...) and
    /// whose prompts are recorded, so a test can tell whether -Confirm really asked.
    /// </summary>
    internal sealed class AnsweringHost : PSHost
    {
        private readonly AnsweringUi _ui = new AnsweringUi();
        public override string Name => "SysVmPatchTestHost";
        public override Version Version => new Version(1, 0);
        public override Guid InstanceId { get; } = Guid.NewGuid();
        public override PSHostUserInterface UI => _ui;
        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

        /// <summary>The label to pick ("&amp;No" matches "No"); null: the prompt's default.</summary>
        public string? Answer { get => _ui.Answer; set => _ui.Answer = value; }
        /// <summary>The label to pick for one prompt's message, when set; overrides <see cref="Answer"/>.</summary>
        public Func<string, string?>? AnswerFor { get => _ui.AnswerFor; set => _ui.AnswerFor = value; }
        /// <summary>Every PromptForChoice message, in order.</summary>
        public List<string> Prompts => _ui.Prompts;
        /// <summary>Verbose lines the host was given (only for runspaces whose pipelines write to the host).</summary>
        public List<string> VerboseLines => _ui.Verbose;

        public List<string> HostLines => _ui.Lines;

        public override void SetShouldExit(int exitCode) { }
        public override void EnterNestedPrompt() => throw new NotSupportedException();
        public override void ExitNestedPrompt() => throw new NotSupportedException();
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }

        private sealed class AnsweringUi : PSHostUserInterface
        {
            public string? Answer;
            public Func<string, string?>? AnswerFor;
            public readonly List<string> Prompts = new List<string>();
            public readonly List<string> Verbose = new List<string>();
            /// <summary>Lines written to the host (where "What if:" messages go).</summary>
            public readonly List<string> Lines = new List<string>();
            public override PSHostRawUserInterface? RawUI => null;

            public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
            {
                lock (Prompts) Prompts.Add(message);
                string? answer = AnswerFor is null ? Answer : AnswerFor(message);
                if (answer is null) return defaultChoice;
                for (int i = 0; i < choices.Count; i++)
                    if (string.Equals(choices[i].Label.Replace("&", ""), answer, StringComparison.OrdinalIgnoreCase)) return i;
                throw new InvalidOperationException($"The prompt offers no '{answer}'.");
            }

            public override void WriteVerboseLine(string message) { lock (Verbose) Verbose.Add(message); }
            public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException("no interactive input in tests");
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
            public override string ReadLine() => throw new NotSupportedException("no interactive input in tests");
            public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();
            public override void Write(string value) { }
            public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { }
            public override void WriteLine(string value) { lock (Lines) Lines.Add(value); }
            public override void WriteErrorLine(string value) { }
            public override void WriteDebugLine(string message) { }
            public override void WriteProgress(long sourceId, ProgressRecord record) { }
            public override void WriteWarningLine(string message) { }
        }
    }
}
