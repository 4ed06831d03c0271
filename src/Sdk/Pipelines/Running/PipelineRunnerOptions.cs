using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.InFlight;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// Settings of a <see cref="PipelineRunner"/>, read once when the runner is created. To run against a local
/// <c>./.stagecraft</c> directory with no further setup, use <c>LocalPipelineRunner.Create()</c> from
/// <c>Stagecraft.Sdk.Local</c>.
/// </summary>
public sealed record PipelineRunnerOptions
{
    /// <summary>
    /// The default of <see cref="JsonSerializerOptions"/>: public fields and tuples included, NaN and ±Infinity
    /// written as named literals, enums by name; records, arrays, lists and string-keyed dictionaries as
    /// System.Text.Json handles them. Read-only: copy it (<c>new JsonSerializerOptions(DefaultJsonSerializerOptions)</c>)
    /// to extend it.
    /// </summary>
    public static JsonSerializerOptions DefaultJsonSerializerOptions => StageJsonDefaults.Options;

    /// <summary>
    /// Where outputs, cache entries and run records are stored. The core SDK ships no storage of its own
    /// (<c>Stagecraft.Sdk.Local</c> and <c>Stagecraft.Sdk.Gcp</c> provide them).
    /// </summary>
    public required IObjectStorage Storage { get; init; }

    /// <summary>How many stages may run at once; independent stages run concurrently up to this bound. Default: the processor count.</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Reuse a stage's stored output when its fingerprint (code hash, version, inputs, parameters) matches a completed one. Default: on.</summary>
    public bool CacheEnabled { get; init; } = true;

    /// <summary>
    /// On the first stage failure, cancel running stages and start no more. Off by default: a failure skips only
    /// the stages downstream of it, and independent branches run to completion.
    /// </summary>
    public bool FailFast { get; init; }

    /// <summary>Local directory under which each stage gets a fresh work directory (<c>{root}/{runId}/stages/{stage}</c>). Default: a <c>stagecraft</c> folder in the system temp directory.</summary>
    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "stagecraft", "work");

    /// <summary>
    /// Serialises non-signal stage outputs and pipeline inputs (default: <see cref="DefaultJsonSerializerOptions"/>;
    /// options set here replace it). Every value must serialise, read back and serialise again to the same document,
    /// or its stage fails with <see cref="PipelineValueRoundTripException"/>. Supply options with a source-generated
    /// <c>TypeInfoResolver</c> for trimming/AOT safety.
    /// </summary>
    public JsonSerializerOptions JsonSerializerOptions { get; init; } = StageJsonDefaults.Options;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Receives every run's events (see <see cref="PipelineEvent"/>); called one event at a time, in order.</summary>
    public IProgress<PipelineEvent>? Progress { get; init; }

    /// <summary>
    /// The least time between two writes of a running pipeline's record. The record is rewritten after every stage
    /// state change; changes within this interval are coalesced into one write. Default: 100 ms.
    /// </summary>
    public TimeSpan RecordFlushInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a running pipeline's owner rewrites its heartbeat in the run record when nothing else changes. Default: 10 seconds.</summary>
    public TimeSpan OwnerHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long after its last heartbeat a run's owner still counts as alive: <c>ResumeAsync</c> of a run whose owner
    /// was seen more recently is refused with <see cref="PipelineRunOwnedException"/> (an owner on this host whose
    /// process has exited counts as gone at once). Default: 1 minute; must exceed <see cref="OwnerHeartbeatInterval"/>.
    /// </summary>
    public TimeSpan OwnerLeaseTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Handle SIGINT (Ctrl-C) and SIGTERM while a run executes: the first signal cancels the run (its stages and
    /// backend runs stop, its record says <see cref="PipelineRunStatus.Cancelled"/>, and the resume call is printed
    /// to standard error); a second one ends the process at once. Default: on; turn it off when the host handles
    /// signals itself.
    /// </summary>
    public bool HandleTerminationSignals { get; init; } = true;

    /// <summary>
    /// Where stages execute: null (the default) runs them in this process; a run backend runs each stage as a
    /// separate run of <see cref="WorkerCommand"/>, with inputs and outputs travelling through <see cref="Storage"/>
    /// (the worker must open the same storage).
    /// </summary>
    public IRunBackend? Backend { get; init; }

    /// <summary>
    /// Per-profile placement: a stage whose <see cref="StageAttribute.Profile"/> is a key here runs on that backend,
    /// with the profile as its <see cref="Runs.RunSpec.ResourceProfile"/> (e.g. <c>["h100-spot"] = gce, ["cpu"] = gce</c>).
    /// Stages without a profile go to <see cref="Backend"/> (in process when null). A profile missing from this map
    /// fails the run with <see cref="StagePlacementException"/> before anything starts.
    /// </summary>
    public IReadOnlyDictionary<string, IRunBackend> Placement { get; init; } = new Dictionary<string, IRunBackend>();

    /// <summary>
    /// The in-flight registry in which every backend run this runner launches is recorded, with this process as its
    /// owner, before the launch, and cleared when the run ended. With it, runs left behind by a coordinator that died
    /// (killed, crashed, machine rebooted) are stopped by the next runner start on this host
    /// (<see cref="PipelineRunner.ReapOrphanedBackendRunsAsync"/>); runs of a live owner are never touched. Requires
    /// <see cref="ProcessTable"/>. Default: none (<c>LocalPipelineRunner.Create()</c> sets a file registry beside its storage).
    /// </summary>
    public IInFlightRegistryStore? InFlightRegistry { get; init; }

    /// <summary>
    /// The operating system's processes (e.g. <c>Stagecraft.Local.Processes.LinuxProcessTable</c>): how an owner's
    /// identity is recorded in <see cref="InFlightRegistry"/> and how the reaper tells whether it still lives.
    /// </summary>
    public IProcessTable? ProcessTable { get; init; }

    /// <summary>
    /// The experiment's executable for backend runs. Default: <see cref="PipelineWorkerCommand.CurrentProcess"/>. Not used
    /// for a backend that ships the code itself (<see cref="IPipelineWorkerHost"/>), which starts workers its own way.
    /// </summary>
    public PipelineWorkerCommand? WorkerCommand { get; init; }

    /// <summary>The host name recorded in provenance. Default: <see cref="Environment.MachineName"/>.</summary>
    public string HostName { get; init; } = Environment.MachineName;
}
