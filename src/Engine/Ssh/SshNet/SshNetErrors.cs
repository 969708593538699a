using System;
using System.Net.Sockets;
using Renci.SshNet.Messages.Transport;
using Renci.SshNet.Common;

namespace SysVmPatch.Engine.Ssh.SshNet
{
    /// <summary>Turns SSH.NET's and the socket layer's exceptions into the same <see cref="SshException"/> kinds as the OpenSSH transport.</summary>
    internal static class SshNetErrors
    {
        public static SshErrorKind KindOf(Exception ex)
        {
            if (ex is AggregateException agg && agg.InnerExceptions.Count == 1) ex = agg.InnerExceptions[0];
            switch (ex)
            {
                case SshAuthenticationException _: return SshErrorKind.AuthenticationFailed;
                case SshOperationTimeoutException _: return SshErrorKind.ConnectionTimedOut;
                case OperationCanceledException _: return SshErrorKind.ConnectionTimedOut;
                case TimeoutException _: return SshErrorKind.ConnectionTimedOut;
                case SocketException se:
                    switch (se.SocketErrorCode)
                    {
                        case SocketError.ConnectionRefused: return SshErrorKind.ConnectionRefused;
                        case SocketError.TimedOut: return SshErrorKind.ConnectionTimedOut;
                        case SocketError.HostUnreachable:
                        case SocketError.NetworkUnreachable:
                        case SocketError.HostDown:
                        case SocketError.NetworkDown: return SshErrorKind.HostUnreachable;
                        case SocketError.HostNotFound:
                        case SocketError.NoData:
                        case SocketError.TryAgain: return SshErrorKind.NameResolutionFailed;
                        default: return SshErrorKind.ConnectionLost;
                    }
                case SshConnectionException ce:
                    return ce.DisconnectReason == DisconnectReason.HostKeyNotVerifiable ? SshErrorKind.HostKeyVerificationFailed
                        : ce.DisconnectReason == DisconnectReason.KeyExchangeFailed ? SshErrorKind.Unknown
                        : SshErrorKind.ConnectionLost;
                case System.IO.IOException _: return SshErrorKind.ConnectionLost;
                default: return SshErrorKind.Unknown;
            }
        }

        /// <summary>The failure to connect one hop, worded as the OpenSSH transport words it.</summary>
        public static SshException Connecting(Exception ex, string vmName, SshHop hop, string where, bool isJump)
        {
            if (ex is SshException own) return own;
            var kind = KindOf(ex);
            string detail = ex.GetType().Name + ": " + ex.Message;
            if (isJump && kind != SshErrorKind.HostKeyVerificationFailed)
                return new SshException(SshErrorKind.JumpHostFailed, $"{vmName}: jump host {hop} failed: {SshErrorClassifier.Describe(kind)} ({detail})", hop.ToString(), ex);
            return new SshException(kind, $"{vmName}: {SshErrorClassifier.Describe(kind)} on {where} ({detail})", hop.ToString(), ex);
        }
    }
}
