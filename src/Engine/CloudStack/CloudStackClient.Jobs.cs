using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Engine.CloudStack
{
    public sealed partial class CloudStackClient
    {
        /// <inheritdoc />
        public async Task<AsyncJobResult> RunAsyncJobAsync(string command, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken)
        {
            var started = await ExecuteAsync(command, parameters, cancellationToken, detail: null).ConfigureAwait(false);
            string? jobId = started.GetString("jobid");
            if (string.IsNullOrEmpty(jobId))
                throw new CloudStackTransportException($"{command} at {Endpoint} returned no jobid; it is not an async command on this server.", command, CloudStackTransportFailure.InvalidResponse);
            return await WaitForJobAsync(command, jobId!, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Polls queryAsyncJobResult for <paramref name="jobId"/> until the job ends: 250 ms doubling to 5 s by
        /// default, at most <see cref="CloudStackConnectionSettings.JobTimeout"/>. <paramref name="command"/> only
        /// names the job in messages.
        /// </summary>
        public async Task<AsyncJobResult> WaitForJobAsync(string command, string jobId, CancellationToken cancellationToken)
        {
            var query = new Dictionary<string, string> { ["jobid"] = jobId };
            var delay = Settings.JobPollInitialDelay;
            var watch = Stopwatch.StartNew();
            for (int poll = 1; ; poll++)
            {
                var remaining = Settings.JobTimeout - watch.Elapsed;
                if (remaining <= TimeSpan.Zero)
                    throw new CloudStackJobTimeoutException(
                        $"{command} job {jobId} on {Endpoint} was still pending after {CloudStackResponse.Seconds(Settings.JobTimeout)}; it may still finish on the server (queryAsyncJobResult jobid={jobId}).",
                        command, jobId);
                await Task.Delay(delay < remaining ? delay : remaining, cancellationToken).ConfigureAwait(false);

                var answer = await ExecuteAsync("queryAsyncJobResult", query, cancellationToken, $"job {jobId} of {command} (poll {poll})").ConfigureAwait(false);
                long? status = answer.GetLong("jobstatus");
                if (status == 1)
                    return new AsyncJobResult(jobId, answer.GetObject("jobresult") ?? new Dictionary<string, object?>());
                if (status == 2)
                {
                    var result = answer.GetObject("jobresult");
                    long? code = result?.GetLong("errorcode") ?? answer.GetLong("jobresultcode");
                    string? text = result?.GetString("errortext");
                    string safe = CloudStackException.Clean(Settings.SecretKey.Scrub(text));
                    throw new CloudStackJobFailedException(
                        Settings.SecretKey.Scrub($"{command} job {jobId} failed on {Endpoint}{(code.HasValue ? $" (errorcode {code})" : "")}: {(string.IsNullOrEmpty(safe) ? "no error text" : safe)}"),
                        command, jobId, code.HasValue ? (int)code.Value : (int?)null, text is null ? null : Settings.SecretKey.Scrub(text));
                }
                if (status != 0)
                    throw new CloudStackTransportException($"queryAsyncJobResult for job {jobId} at {Endpoint} gave no known jobstatus.", command, CloudStackTransportFailure.InvalidResponse);
                var doubled = TimeSpan.FromTicks(delay.Ticks * 2);
                delay = doubled > Settings.JobPollMaxDelay ? Settings.JobPollMaxDelay : doubled;
            }
        }
    }
}
