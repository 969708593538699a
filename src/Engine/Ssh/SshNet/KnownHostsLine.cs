using System;
using System.Linq;

namespace SysVmPatch.Engine.Ssh.SshNet
{
    internal enum KnownHostsMarker { None, CertAuthority, Revoked }

    /// <summary>One known_hosts line: [marker] patterns key-type base64-key [comment].</summary>
    internal sealed class KnownHostsLine
    {
        private KnownHostsLine(KnownHostsMarker marker, HostPatternList hosts, string keyType, byte[] key)
        {
            Marker = marker;
            Hosts = hosts;
            KeyType = keyType;
            Key = key;
        }

        public KnownHostsMarker Marker { get; }
        public HostPatternList Hosts { get; }
        public string KeyType { get; }
        public byte[] Key { get; }

        public bool Holds(string keyType, byte[] key) => KeyType == keyType && Key.SequenceEqual(key);

        /// <summary>Null for comments, blank lines and anything unreadable: such a line trusts nothing.</summary>
        public static KnownHostsLine? Parse(string text)
        {
            var fields = text.Trim().Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith("#", StringComparison.Ordinal)) return null;
            int i = 0;
            var marker = KnownHostsMarker.None;
            if (fields[0].StartsWith("@", StringComparison.Ordinal))
            {
                if (fields[0] == "@cert-authority") marker = KnownHostsMarker.CertAuthority;
                else if (fields[0] == "@revoked") marker = KnownHostsMarker.Revoked;
                else return null; // an unknown marker: OpenSSH ignores the line, so do we
                i = 1;
            }
            if (fields.Length < i + 3) return null;
            var hosts = HostPatternList.Parse(fields[i]);
            if (hosts == null) return null;
            byte[] key;
            try { key = Convert.FromBase64String(fields[i + 2]); }
            catch (FormatException) { return null; }
            // The blob starts with its own type name: a line whose two disagree is corrupt, not a key.
            if (BlobType(key) != fields[i + 1] || !WholeStrings(key)) return null;
            return new KnownHostsLine(marker, hosts, fields[i + 1], key);
        }

        // Every public key blob is a run of length-prefixed fields that ends exactly at the end: a cut-off key is not one.
        private static bool WholeStrings(byte[] blob)
        {
            int at = 0;
            while (at < blob.Length)
            {
                if (blob.Length - at < 4) return false;
                long length = ((long)blob[at] << 24) | ((long)blob[at + 1] << 16) | ((long)blob[at + 2] << 8) | blob[at + 3];
                at += 4;
                if (length > blob.Length - at) return false;
                at += (int)length;
            }
            return true;
        }

        internal static string? BlobType(byte[] blob)
        {
            if (blob.Length < 4) return null;
            int length = (blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3];
            if (length <= 0 || length > blob.Length - 4) return null;
            return System.Text.Encoding.ASCII.GetString(blob, 4, length);
        }
    }
}
