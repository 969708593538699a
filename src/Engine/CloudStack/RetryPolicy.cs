using System;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>
    /// Decides whether a failed request is worth repeating and how long to wait first.
    /// Reads (list*, query*, get*) are repeated after any 5xx or broken connection. Commands that change
    /// something are sent at most once: they are repeated only when the request provably never left (connection
    /// refused, name not resolved). After a 502/504, a dropped connection, a timeout or a garbled answer the
    /// request may have reached CloudStack (<see cref="OutcomeUnknown"/>: the client asks the job list instead).
    /// A 503 is final and means "not run": the server, or the proxy in front of it with no server to hand it to,
    /// refused to take the request (RFC 9110 15.6.4), unlike 502/504 where a proxy may already have passed it on.
    /// 4xx, certificate errors and read timeouts are final: a 4xx will not change, and a timeout already spent
    /// the caller's patience.
    /// </summary>
    public sealed class RetryPolicy
    {
        private readonly object _lock = new object();
        private readonly Random _random;

        public RetryPolicy(int retryCount, TimeSpan baseDelay, TimeSpan maxDelay, int? seed = null)
        {
            RetryCount = Math.Max(0, retryCount);
            BaseDelay = baseDelay < TimeSpan.Zero ? TimeSpan.Zero : baseDelay;
            MaxDelay = maxDelay < BaseDelay ? BaseDelay : maxDelay;
            _random = seed.HasValue ? new Random(seed.Value) : new Random();
        }

        public int RetryCount { get; }
        public TimeSpan BaseDelay { get; }
        public TimeSpan MaxDelay { get; }

        /// <summary>True for commands that only read, which are safe to send twice.</summary>
        public static bool IsReadOnly(string command) =>
            command.StartsWith("list", StringComparison.OrdinalIgnoreCase)
            || command.StartsWith("query", StringComparison.OrdinalIgnoreCase)
            || command.StartsWith("get", StringComparison.OrdinalIgnoreCase);

        public static bool IsRetriable(string command, Exception error)
        {
            bool readOnly = IsReadOnly(command);
            switch (error)
            {
                case CloudStackApiException api:
                    return api.IsServerError && readOnly;
                case CloudStackTransportException transport:
                    switch (transport.Failure)
                    {
                        case CloudStackTransportFailure.Unreachable: return true;
                        case CloudStackTransportFailure.ConnectionLost:
                        case CloudStackTransportFailure.InvalidResponse: return readOnly;
                        default: return false;
                    }
                default: return false;
            }
        }

        /// <summary>
        /// True when a command that changes something failed after its request left, so it may have run: a proxy's
        /// 502/504, a connection lost before the answer, no answer in time, or an answer that is not CloudStack's.
        /// </summary>
        public static bool OutcomeUnknown(string command, Exception error)
        {
            if (IsReadOnly(command)) return false;
            return error switch
            {
                CloudStackApiException api => api.HttpStatus == 502 || api.HttpStatus == 504,
                CloudStackTransportException t => t.Failure == CloudStackTransportFailure.ConnectionLost
                    || t.Failure == CloudStackTransportFailure.Timeout || t.Failure == CloudStackTransportFailure.InvalidResponse,
                _ => false,
            };
        }

        /// <summary>Pause before retry <paramref name="retry"/> (1-based): base·2^(retry-1), capped, then 50–100 % of that.</summary>
        public TimeSpan DelayFor(int retry)
        {
            double ms = BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, retry - 1));
            ms = Math.Min(ms, MaxDelay.TotalMilliseconds);
            double factor;
            lock (_lock) factor = 0.5 + _random.NextDouble() * 0.5;
            return TimeSpan.FromMilliseconds(ms * factor);
        }
    }
}
