using System;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>
    /// Decides whether a failed request is worth repeating and how long to wait first.
    /// Reads (list*, query*, get*) are repeated after any 5xx or broken connection. Commands that change
    /// something are repeated only when the request cannot have reached CloudStack (connection refused, or a
    /// proxy's 502/503/504), so a reboot is never sent twice. 4xx, certificate errors and timeouts are final:
    /// a 4xx will not change, and a timeout already spent the caller's patience.
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
                    if (!api.IsServerError) return false;
                    return readOnly || api.HttpStatus == 502 || api.HttpStatus == 503 || api.HttpStatus == 504;
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
