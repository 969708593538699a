using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Engine.CloudStack
{
    public sealed partial class CloudStackClient
    {
        // How often the job list is read before the client gives up and says "may have run": CloudStack creates the
        // job before it answers, but a request still on its way in may need a moment.
        private const int JobLookups = 3;
        // Server and workstation clocks differ; a job created this long before the send still counts as ours.
        private static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromMinutes(2);
        private static readonly IReadOnlyDictionary<string, string> AllJobs = new Dictionary<string, string> { ["listall"] = "true" };

        /// <summary>
        /// A command that changes something (reboot, stop, start, destroy, patch, restartNetwork, ...) is sent at
        /// most once. It is repeated only when the request provably never left (connection refused, name not
        /// resolved). When it left and the answer was lost, CloudStack's job list is asked instead; a 503 means the
        /// server or its proxy refused to take it, so it did not run and the error says so.
        /// </summary>
        private async Task<IDictionary<string, object?>> ExecuteChangeAsync(string command, IReadOnlyDictionary<string, string>? parameters, CancellationToken cancellationToken, string? detail)
        {
            for (int attempt = 0; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var sentAt = Clock();
                try
                {
                    return await SendOnceAsync(command, parameters, detail, cancellationToken, change: true).ConfigureAwait(false);
                }
                catch (CloudStackException e) when (attempt < _retry.RetryCount && RetryPolicy.IsRetriable(command, e))
                {
                    var delay = _retry.DelayFor(attempt + 1);
                    Log($"{command}: {Describe(e)} (the request never left); retry {attempt + 1}/{_retry.RetryCount} in {CloudStackResponse.Seconds(delay)}");
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
                catch (CloudStackException e) when (RetryPolicy.OutcomeUnknown(command, e))
                {
                    return await FollowLostAnswerAsync(command, parameters, sentAt, e, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        /// <summary>
        /// The request went out and its answer was lost: find the job CloudStack made for it and carry on with that
        /// job (the caller gets the jobid as if the answer had come), or throw <see cref="CloudStackOutcomeUnknownException"/>.
        /// </summary>
        private async Task<IDictionary<string, object?>> FollowLostAnswerAsync(string command, IReadOnlyDictionary<string, string>? parameters, DateTimeOffset sentAt, CloudStackException lost, CancellationToken cancellationToken)
        {
            string? instanceId = parameters != null && parameters.TryGetValue("id", out var id) ? id : null;
            Log($"{command}: {Describe(lost)} after the request was sent; not sending it again, asking listAsyncJobs whether it ran");
            if (instanceId is null)
                throw OutcomeUnknown(command, null, lost, "and it names no id to look its job up by");
            for (int look = 0; look < JobLookups; look++)
            {
                if (look > 0) await Task.Delay(_retry.DelayFor(look), cancellationToken).ConfigureAwait(false);
                IReadOnlyList<IDictionary<string, object?>> jobs;
                try
                {
                    jobs = await ListAllAsync("listAsyncJobs", "asyncjobs", AllJobs, cancellationToken).ConfigureAwait(false);
                }
                catch (CloudStackException e)
                {
                    throw OutcomeUnknown(command, instanceId, lost, $"and listAsyncJobs failed too ({Describe(e)})");
                }
                string? jobId = FindJob(jobs, command, instanceId, sentAt - ClockSkewAllowance);
                if (jobId != null)
                {
                    Log($"{command}: CloudStack has job {jobId} for {instanceId}; following it");
                    return new Dictionary<string, object?> { ["jobid"] = jobId, ["id"] = instanceId };
                }
            }
            throw OutcomeUnknown(command, instanceId, lost, "and CloudStack lists no job for it (yet)");
        }

        private CloudStackOutcomeUnknownException OutcomeUnknown(string command, string? instanceId, CloudStackException lost, string why) =>
            new CloudStackOutcomeUnknownException(
                Settings.SecretKey.Scrub($"{command}{(instanceId is null ? "" : " of " + CloudStackException.Clean(instanceId, 80))} may have run on {Endpoint}: "
                    + $"the request was sent once and its answer was lost ({Describe(lost)}: {CloudStackException.Clean(lost.Message, 200)}), {why}. "
                    + "It is not sent again: look at the VM before repeating the action."),
                command, instanceId, lost);

        /// <summary>
        /// The newest job of <paramref name="command"/> on <paramref name="instanceId"/> created at or after
        /// <paramref name="notBefore"/>. CloudStack records cmd as the API class name (…router.RebootRouterCmd).
        /// </summary>
        internal static string? FindJob(IEnumerable<IDictionary<string, object?>> jobs, string command, string instanceId, DateTimeOffset notBefore)
        {
            string wanted = command + "Cmd";
            return jobs
                .Where(j => string.Equals(j.GetString("jobinstanceid"), instanceId, StringComparison.OrdinalIgnoreCase))
                .Where(j =>
                {
                    string cmd = j.GetString("cmd") ?? "";
                    string simple = cmd.Substring(cmd.LastIndexOf('.') + 1);
                    return simple.StartsWith(wanted, StringComparison.OrdinalIgnoreCase); // RebootRouterCmd, RebootRouterCmdByAdmin
                })
                .Select(j => (Id: j.GetString("jobid"), Created: Inventory.SystemVmMapper.ParseDate(j.GetString("created"))))
                .Where(j => !string.IsNullOrEmpty(j.Id) && j.Created.HasValue && j.Created.Value >= notBefore)
                .OrderByDescending(j => j.Created)
                .Select(j => j.Id)
                .FirstOrDefault();
        }
    }
}
