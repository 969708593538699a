using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.TestWorld.Topology;
using static SysVmPatch.TestWorld.FakeCloudStack.FakeJson;

namespace SysVmPatch.TestWorld.FakeCloudStack
{
    public sealed partial class FakeCloudStackServer
    {
        /// <summary>A job as queryAsyncJobResult reports it.</summary>
        private sealed class FakeJob
        {
            public FakeJob(string id, string command, string instanceType, string instanceId, DateTimeOffset created)
            {
                Id = id; Command = command; InstanceType = instanceType; InstanceId = instanceId; Created = created;
            }

            public string Id { get; }
            public string Command { get; }
            public string InstanceType { get; }
            public string InstanceId { get; }
            public DateTimeOffset Created { get; }
            public volatile int Status; // 0 pending, 1 success, 2 failure
            public int ResultCode;
            public Dictionary<string, object?>? Result;
            public DateTimeOffset? Completed;
        }

        /// <summary>A job's end with an error: CloudStack's errorcode and errortext in jobresult.</summary>
        private sealed class JobFailure : Exception
        {
            public JobFailure(int code, string text) : base(text) { Code = code; }
            public int Code { get; }
        }

        /// <summary>
        /// Starts a job: pending for <see cref="FakeCloudStackOptions.JobPendingTime"/>, then <paramref name="work"/>
        /// (which may call power control and change records); an injected fault or a throw fails it.
        /// </summary>
        private FakeAnswer StartJob(string command, string instanceType, string instanceId, string vmName, Func<CancellationToken, Task<Dictionary<string, object?>>> work, Action? onFailure = null)
        {
            var job = new FakeJob(Guid.NewGuid().ToString(), command, instanceType, instanceId, DateTimeOffset.UtcNow);
            _jobs[job.Id] = job;
            var fault = Faults.TakeJobFault(command, instanceId, vmName);
            var token = _shutdown.Token;
            _ = Task.Run(async () =>
            {
                try
                {
                    await Task.Delay(Options.JobPendingTime, token).ConfigureAwait(false);
                    if (fault.HasValue) throw new JobFailure(fault.Value.Code, fault.Value.Text);
                    job.Result = await work(token).ConfigureAwait(false);
                    job.ResultCode = 0;
                    job.Completed = DateTimeOffset.UtcNow;
                    job.Status = 1;
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested) { }
                catch (Exception e)
                {
                    onFailure?.Invoke();
                    int code = e is JobFailure f ? f.Code : e is FakeApiError a ? a.Status : 530;
                    job.ResultCode = code;
                    job.Result = Obj(("errorcode", code), ("errortext", e.Message));
                    job.Completed = DateTimeOffset.UtcNow;
                    job.Status = 2;
                }
            });
            return FakeAnswer.Ok(command.ToLowerInvariant() + "response", Obj(("id", instanceId), ("jobid", job.Id)));
        }

        private FakeAnswer QueryAsyncJobResult(FakeParams p)
        {
            string jobId = p["jobid"] ?? throw FakeApiError.InvalidParameter("Unable to execute API command queryasyncjobresult due to missing parameter jobid");
            if (!_jobs.TryGetValue(jobId, out var job))
                throw FakeApiError.InvalidParameter($"Unable to execute API command queryasyncjobresult due to invalid value. Invalid parameter jobid value={jobId} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.");
            return FakeAnswer.Ok("queryasyncjobresultresponse", JobResponse(job));
        }

        /// <summary>
        /// listAsyncJobs as a root admin sees it with listall=true: every job still kept, newest first, in the shape
        /// queryAsyncJobResult answers (cmd is the API command's class name, as CloudStack records it).
        /// </summary>
        private FakeAnswer ListAsyncJobs(FakeParams p)
        {
            var items = _jobs.Values.OrderByDescending(j => j.Created).ToList();
            return Page("listasyncjobsresponse", "asyncjobs", items, JobResponse, p);
        }

        private Dictionary<string, object?> JobResponse(FakeJob job)
        {
            int status = job.Status;
            return Obj(
                ("accountid", ResolvedLab.IdFor("account", CallerAccount)), ("userid", ResolvedLab.IdFor("user", CallerAccount)),
                ("cmd", CommandClassName(job.Command)), ("jobstatus", status), ("jobprocstatus", 0),
                ("jobresultcode", status == 0 ? 0 : job.ResultCode), ("jobresulttype", status == 0 ? null : "object"),
                ("jobresult", status == 0 ? null : job.Result), ("jobinstancetype", job.InstanceType), ("jobinstanceid", job.InstanceId),
                ("created", Timestamp(job.Created)), ("completed", status == 0 || !job.Completed.HasValue ? null : Timestamp(job.Completed.Value)),
                ("jobid", job.Id));
        }

        // rebootRouter -> org.apache.cloudstack.api.command.admin.router.RebootRouterCmd
        private static string CommandClassName(string command)
        {
            string package = command.EndsWith("Router", StringComparison.Ordinal) ? "router"
                : command.EndsWith("SystemVm", StringComparison.Ordinal) ? "systemvm" : command.EndsWith("VPC", StringComparison.Ordinal) ? "vpc" : "network";
            return $"org.apache.cloudstack.api.command.admin.{package}.{char.ToUpperInvariant(command[0])}{command.Substring(1)}Cmd";
        }

        // ---- SSVM / CPVM -------------------------------------------------------------------------------

        private FakeAnswer PatchSystemVm(FakeParams p)
        {
            var record = RequireVm(p, "patchsystemvm");
            bool forced = p.Flag("forced");
            string name = record.Vm.Name;
            return StartJob("patchSystemVm", "SystemVm", record.Id, name, async token =>
            {
                var current = GetVm(name);
                if (current.Type == SystemVmType.Router)
                    throw FakeApiError.InvalidParameter($"Unable to find SystemVm with id {current.Id}. patchSystemVm API can be used to patch CPVM / SSVM only.");
                if (current.State != "Running")
                    throw new JobFailure(530, $"Unable to patch SystemVM: VM instance {{\"instanceName\":\"{current.Name}\",\"uuid\":\"{current.Id}\"}} as it is not in Running state. Please destroy and recreate the SystemVM.");
                if (Options.LivePatcher is null && _files != null)
                {
                    // KVM: the host compares the VM's signature with its own vms/cloud-scripts.tgz and patches from its own files.
                    string? hostMd5 = _files.HostScriptsMd5(name);
                    if (!forced && hostMd5 != null && _files.ReadVersion(name)?.Signature == hostMd5)
                        return Obj(("success", true), ("displaytext", $"No change in the scripts checksum, not patching systemVM {current.Name}"));
                    await _files.PatchFromHostFilesAsync(name, token).ConfigureAwait(false);
                    RefreshAgentVersion(name);
                    UpdateVm(name, r => r with { LivePatchCount = r.LivePatchCount + 1 });
                    return Obj(("success", true), ("displaytext", $"Successfully patched systemVM {current.Name}"));
                }
                if (!forced && Options.LivePatcher is null && current.ScriptsSignature == ManagementScriptsSignature)
                    return Obj(("success", true), ("displaytext", $"No change in the scripts checksum, not patching systemVM {current.Name}"));
                if (Options.LivePatcher != null) await Options.LivePatcher(current.Vm, token).ConfigureAwait(false);
                UpdateVm(name, r => r with { AgentVersion = ManagementVersion, ScriptsSignature = ManagementScriptsSignature, LivePatchCount = r.LivePatchCount + 1 });
                return Obj(("success", true), ("displaytext", $"Successfully patched systemVM {current.Name}"));
            });
        }

        /// <summary>
        /// stop/start/reboot of a system VM (…SystemVm) or a router (stopRouter, startRouter): the state moves as
        /// CloudStack's does and the lab VM really powers off and on.
        /// </summary>
        private FakeAnswer PowerVm(string command, FakeParams p, bool router)
        {
            var record = RequireVm(p, command.ToLowerInvariant());
            string name = record.Vm.Name;
            string before = record.State;
            bool stop = !command.StartsWith("start", StringComparison.Ordinal), start = !command.StartsWith("stop", StringComparison.Ordinal);
            bool isRouter = record.Type == SystemVmType.Router;
            if (isRouter == router && IsValidFrom(before, stop, start))
                SetVmState(name, stop ? "Stopping" : "Starting");
            return StartJob(command, router ? "DomainRouter" : "SystemVm", record.Id, name, async token =>
            {
                var current = GetVm(name);
                if ((current.Type == SystemVmType.Router) != router)
                    throw FakeApiError.InvalidParameter(router ? $"Unable to find domain router with id {current.Id}" : $"Unable to find a system vm with id {current.Id}");
                if (!IsValidFrom(before, stop, start))
                    throw new JobFailure(530, $"Unable to {command.Replace("SystemVm", "").Replace("Router", "")} {(router ? "router" : "system vm")} {current.Name}: it is {before}");
                await CyclePowerAsync(name, stop, start, token).ConfigureAwait(false);
                lock (_lock) return router ? Obj(("router", RouterResponse(Find(name)))) : Obj(("systemvm", SystemVmResponse(Find(name))));
            }, onFailure: () => SetVmState(name, before));
        }

        /// <summary>
        /// destroySystemVm: CloudStack destroys the SSVM/CPVM and its capacity checker builds a new one from the
        /// current template; here the same lab VM powers off and on and comes back under a new id.
        /// </summary>
        private FakeAnswer DestroySystemVm(FakeParams p)
        {
            var record = RequireVm(p, "destroysystemvm");
            string name = record.Vm.Name;
            if (record.Type != SystemVmType.Router) SetVmState(name, "Destroyed");
            return StartJob("destroySystemVm", "SystemVm", record.Id, name, async token =>
            {
                var current = GetVm(name);
                if (current.Type == SystemVmType.Router)
                    throw FakeApiError.InvalidParameter($"Unable to find a system vm with id {current.Id}");
                var old = Obj(("systemvm", SystemVmResponse(current)));
                SetVmState(name, "Running"); // so the power cycle below runs from a valid state
                await CyclePowerAsync(name, stop: true, start: true, token).ConfigureAwait(false);
                UpdateVm(name, r => r with
                {
                    Id = ResolvedLab.IdFor("vm", r.Vm.Name + "#" + (r.RecreateCount + 1)),
                    AgentVersion = ManagementVersion,
                    ScriptsSignature = ManagementScriptsSignature,
                    RecreateCount = r.RecreateCount + 1,
                });
                return old;
            });
        }

        // Stop needs Running (a Stopped VM stops trivially); start needs Stopped (a Running one starts trivially); reboot needs Running.
        private static bool IsValidFrom(string state, bool stop, bool start) =>
            stop && start ? state == "Running" : stop ? state is "Running" or "Stopped" : state is "Stopped" or "Running";

        /// <summary>Stopping → power off → Stopped, then Starting → power on → Running, as the flags ask.</summary>
        private async Task CyclePowerAsync(string name, bool stop, bool start, CancellationToken token)
        {
            if (stop && GetVm(name).State != "Stopped")
            {
                SetVmState(name, "Stopping");
                if (_power != null) await _power.StopVmAsync(name, token).ConfigureAwait(false);
                SetVmState(name, "Stopped");
            }
            if (start && GetVm(name).State != "Running")
            {
                SetVmState(name, "Starting");
                if (_power != null) await _power.StartVmAsync(name, token).ConfigureAwait(false);
                await AfterStartAsync(name, token).ConfigureAwait(false);
                SetVmState(name, "Running");
            }
        }

        // ---- routers ----------------------------------------------------------------------------------

        private FakeAnswer RebootRouter(FakeParams p)
        {
            var record = RequireVm(p, "rebootrouter");
            string name = record.Vm.Name;
            string before = record.State;
            if (record.Type == SystemVmType.Router && before == "Running") SetVmState(name, "Stopping");
            return StartJob("rebootRouter", "DomainRouter", record.Id, name, async token =>
            {
                var current = GetVm(name);
                if (current.Type != SystemVmType.Router)
                    throw FakeApiError.InvalidParameter($"Unable to find domain router with id {current.Id}");
                if (before != "Running")
                    throw new JobFailure(530, $"Unable to reboot domR {current.Name}, it is not in right state {before}");
                CheckRouterVersion(current);
                await CyclePowerAsync(name, stop: true, start: true, token).ConfigureAwait(false);
                lock (_lock) return Obj(("router", RouterResponse(Find(name))));
            }, onFailure: () => SetVmState(name, before));
        }

        /// <summary>
        /// restartNetwork / restartVPC: cleanup recreates each router (new id, fresh scripts and records);
        /// livepatch without cleanup runs the live patcher and records the management server's scripts.
        /// </summary>
        private FakeAnswer RestartRouters(string command, FakeParams p)
        {
            bool vpc = command == "restartVPC";
            string id = p["id"] ?? throw FakeApiError.InvalidParameter($"Unable to execute API command {command.ToLowerInvariant()} due to missing parameter id");
            List<string> routers;
            lock (_lock)
                routers = _order.Where(n => _vms[n].Type == SystemVmType.Router
                    && string.Equals(vpc ? VpcId(_vms[n].Vm) : NetworkId(_vms[n].Vm), id, StringComparison.OrdinalIgnoreCase)).ToList();
            if (routers.Count == 0)
                throw FakeApiError.InvalidParameter($"Unable to execute API command {command.ToLowerInvariant()} due to invalid value. Invalid parameter id value={id} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.");
            bool cleanup = p.Flag("cleanup"), livePatch = p.Flag("livepatch");
            string first = routers[0];
            return StartJob(command, vpc ? "Vpc" : "Network", id, first, async token =>
            {
                foreach (var name in routers)
                {
                    if (cleanup)
                    {
                        await CyclePowerAsync(name, stop: true, start: true, token).ConfigureAwait(false);
                        UpdateVm(name, r => r with
                        {
                            Id = ResolvedLab.IdFor("vm", r.Vm.Name + "#" + (r.RecreateCount + 1)),
                            SoftwareVersion = ManagementVersion,
                            ScriptsSignature = ManagementScriptsSignature,
                            RecreateCount = r.RecreateCount + 1,
                        });
                    }
                    else if (livePatch)
                    {
                        var current = GetVm(name);
                        if (current.State != "Running") continue; // CloudStack patches only running routers
                        if (Options.LivePatcher != null) await Options.LivePatcher(current.Vm, token).ConfigureAwait(false);
                        if (_files is null)
                        {
                            UpdateVm(name, r => r with { SoftwareVersion = ManagementVersion, ScriptsSignature = ManagementScriptsSignature, LivePatchCount = r.LivePatchCount + 1 });
                            continue;
                        }
                        // updateSystemVM(vm, forced=true): always the host's own files, then the records; a failure is only logged.
                        try { RecordRunningVersion(name, await _files.PatchFromHostFilesAsync(name, token).ConfigureAwait(false), livePatched: true); }
                        catch (Exception e) when (!(e is OperationCanceledException)) { lock (_patchLog) _patchLog.Add($"{name}: {e.Message}"); }
                        CheckRouterVersion(GetVm(name)); // then the rules go to the router as commands
                    }
                    else CheckRouterVersion(GetVm(name)); // the rules go to the router as commands
                }
                return Obj(("success", true));
            });
        }

        /// <summary>The VM an id parameter names; an unknown id is refused before any job, as CloudStack's parameter check does.</summary>
        private FakeVmRecord RequireVm(FakeParams p, string apiName)
        {
            string id = p["id"] ?? throw FakeApiError.InvalidParameter($"Unable to execute API command {apiName} due to missing parameter id");
            lock (_lock)
            {
                var record = _vms.Values.FirstOrDefault(r => string.Equals(r.Id, id, StringComparison.OrdinalIgnoreCase));
                return record ?? throw FakeApiError.InvalidParameter($"Unable to execute API command {apiName} due to invalid value. Invalid parameter id value={id} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.");
            }
        }
    }
}
