using SysVmPatch.Engine.Errors;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>
    /// The cmdlets' words for the engine's settings: an engine failure says what to change in its own terms and
    /// carries which setting it means; the operator is told the parameter that sets it.
    /// </summary>
    internal static class ParameterNames
    {
        /// <summary>The parameter (with its cmdlet where it belongs to another one) that sets <paramref name="option"/>.</summary>
        public static string For(EngineOption option) => option switch
        {
            EngineOption.JumpHost => "-JumpHost",
            EngineOption.KeyFile => "-KeyFile",
            EngineOption.KeyPassphrase => "-KeyPassphrase",
            EngineOption.KnownHostsFile => "-KnownHostsFile",
            EngineOption.ConnectTimeout => "-ConnectTimeoutSec",
            EngineOption.OpenSshTransport => "-Transport OpenSsh",
            EngineOption.RequestTimeout => "Connect-SysVmCloud -TimeoutSec",
            EngineOption.SkipCertificateCheck => "Connect-SysVmCloud -SkipCertificateCheck",
            EngineOption.AllowUnencryptedAuthentication => "Connect-SysVmCloud -AllowUnencryptedAuthentication",
            EngineOption.Connection => "Connect-SysVmCloud",
            EngineOption.Force => "-Force",
            _ => option.ToString(),
        };

        /// <summary>The sentence added to a message whose remedy is <paramref name="option"/>; empty for none.</summary>
        public static string Advice(EngineOption? option) => option is EngineOption o ? $"Use {For(o)}." : "";

        /// <summary><paramref name="message"/> with the advice for its remedy after it.</summary>
        public static string WithAdvice(string message, EngineOption? option) =>
            option is null ? message : message.TrimEnd() + " " + Advice(option);
    }
}
