using System;
using System.Collections.Generic;

namespace SysVmPatch.TestWorld.FakeCloudStack
{
    /// <summary>
    /// Faults the fake management server injects, set by tests while it runs: HTTP errors and dropped connections
    /// for the next requests (before or after the command ran), slow answers, and async jobs that fail. Thread-safe.
    /// </summary>
    public sealed class FaultPlan
    {
        private readonly object _lock = new object();
        private readonly List<HttpFault> _httpFaults = new List<HttpFault>();
        private readonly List<DelayFault> _delays = new List<DelayFault>();
        private readonly List<JobFault> _jobFaults = new List<JobFault>();

        /// <summary>The next <paramref name="count"/> requests (of <paramref name="command"/>, or any) answer HTTP <paramref name="status"/>.</summary>
        /// <param name="count">How many requests fail.</param>
        /// <param name="status">The HTTP status they get (530 comes with CloudStack's JSON error body, others with an HTML page).</param>
        /// <param name="command">Only requests of this command count (any when null).</param>
        /// <param name="skip">Let this many matching requests through first (fail page 3 of a list, say).</param>
        /// <param name="afterProcessing">
        /// The command runs first (its job starts), then the fault replaces the answer: a proxy's 504 after
        /// CloudStack got the request. False: the request never reaches CloudStack.
        /// </param>
        public void FailNext(int count, int status = 503, string? command = null, int skip = 0, bool afterProcessing = false)
        {
            if (count < 1) throw new ArgumentOutOfRangeException(nameof(count));
            if (skip < 0) throw new ArgumentOutOfRangeException(nameof(skip));
            lock (_lock) _httpFaults.Add(new HttpFault(command, status) { Remaining = count, Skip = skip, AfterProcessing = afterProcessing });
        }

        /// <summary>
        /// The next <paramref name="count"/> requests (of <paramref name="command"/>, or any) are read whole, then the
        /// connection is closed without an answer (recorded with status <see cref="DroppedStatus"/>).
        /// <paramref name="afterProcessing"/>: the command runs first, so its job exists though the caller never hears of it.
        /// </summary>
        public void DropNext(int count, string? command = null, bool afterProcessing = false)
        {
            if (count < 1) throw new ArgumentOutOfRangeException(nameof(count));
            lock (_lock) _httpFaults.Add(new HttpFault(command, DroppedStatus) { Remaining = count, AfterProcessing = afterProcessing });
        }

        /// <summary>The status recorded for a request whose connection was dropped without an answer.</summary>
        public const int DroppedStatus = 0;

        /// <summary>Answers (of <paramref name="command"/>, or any) wait <paramref name="delay"/> first; <paramref name="count"/> null: until cleared.</summary>
        public void Delay(TimeSpan delay, string? command = null, int? count = null)
        {
            lock (_lock) _delays.Add(new DelayFault(command, delay) { Remaining = count });
        }

        /// <summary>The next job of <paramref name="command"/> on the VM (name or id) fails with this error.</summary>
        public void FailJob(string vmNameOrId, string command, string errorText, int errorCode = 530)
        {
            lock (_lock) _jobFaults.Add(new JobFault(vmNameOrId, command, errorText, errorCode));
        }

        public void Clear()
        {
            lock (_lock) { _httpFaults.Clear(); _delays.Clear(); _jobFaults.Clear(); }
        }

        /// <summary>The fault for this request: its status (<see cref="DroppedStatus"/>: drop) and whether the command runs first.</summary>
        internal (int Status, bool AfterProcessing)? TakeHttpFault(string? command)
        {
            lock (_lock)
            {
                var fault = _httpFaults.Find(f => f.Matches(command));
                if (fault is null) return null;
                if (fault.Skip > 0) { fault.Skip--; return null; }
                if (--fault.Remaining <= 0) _httpFaults.Remove(fault);
                return (fault.Status, fault.AfterProcessing);
            }
        }

        internal TimeSpan TakeDelay(string? command)
        {
            lock (_lock)
            {
                var fault = _delays.Find(f => f.Command is null || string.Equals(f.Command, command, StringComparison.OrdinalIgnoreCase));
                if (fault is null) return TimeSpan.Zero;
                if (fault.Remaining.HasValue && --fault.Remaining <= 0) _delays.Remove(fault);
                return fault.Delay;
            }
        }

        internal (string Text, int Code)? TakeJobFault(string command, string vmId, string vmName)
        {
            lock (_lock)
            {
                var fault = _jobFaults.Find(f => string.Equals(f.Command, command, StringComparison.OrdinalIgnoreCase)
                    && (string.Equals(f.Vm, vmId, StringComparison.OrdinalIgnoreCase) || string.Equals(f.Vm, vmName, StringComparison.OrdinalIgnoreCase)));
                if (fault is null) return null;
                _jobFaults.Remove(fault);
                return (fault.ErrorText, fault.ErrorCode);
            }
        }

        private sealed record HttpFault(string? Command, int Status)
        {
            public int Remaining { get; set; }
            public int Skip { get; set; }
            public bool AfterProcessing { get; init; }
            public bool Matches(string? command) => Command is null || string.Equals(Command, command, StringComparison.OrdinalIgnoreCase);
        }

        private sealed record DelayFault(string? Command, TimeSpan Delay)
        {
            public int? Remaining { get; set; }
        }

        private sealed record JobFault(string Vm, string Command, string ErrorText, int ErrorCode);
    }
}
