using System;
using System.Runtime.InteropServices;
using System.Security;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>
    /// An API secret key that never prints: <see cref="ToString"/> is redacted, and the value is only handed out
    /// to the signer inside the engine. Build it from a <see cref="SecureString"/> (what Get-Credential and
    /// Read-Host -AsSecureString give) or a plain string (profiles and environment variables).
    /// </summary>
    public sealed class CloudStackSecret
    {
        /// <summary>What every rendering of a secret shows instead of the secret.</summary>
        public const string Redacted = "********";

        private readonly string _value;

        public CloudStackSecret(string value)
        {
            if (string.IsNullOrEmpty(value)) throw new ArgumentException("The secret key is empty.", nameof(value));
            _value = value;
        }

        public static CloudStackSecret FromSecureString(SecureString secure)
        {
            if (secure is null) throw new ArgumentNullException(nameof(secure));
            IntPtr ptr = IntPtr.Zero;
            try
            {
                ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
                return new CloudStackSecret(Marshal.PtrToStringUni(ptr) ?? "");
            }
            finally
            {
                if (ptr != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }

        /// <summary>The clear value, for signing and for scrubbing it out of text; internal so no caller prints it by accident.</summary>
        internal string Reveal() => _value;

        /// <summary>Replaces every occurrence of the secret in <paramref name="text"/>, for messages built from server answers.</summary>
        public string Scrub(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? "";
            return text!.IndexOf(_value, StringComparison.Ordinal) < 0 ? text : text.Replace(_value, Redacted);
        }

        public override string ToString() => Redacted;
    }
}
