using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// Settings of a <see cref="PipelineRunner"/>, read once when the runner is created. To run against a local
/// <c>./.stagecraft</c> directory with no further setup, use <c>LocalPipelineRunner.Create()</c> from
/// <c>Stagecraft.Sdk.Local</c>.
/// </summary>
public sealed class PipelineRunnerOptions
{
    /// <summary>
    /// Where outputs, cache entries and run records are stored. Required: the core SDK ships no storage of its
    /// own (<c>Stagecraft.Sdk.Local</c> and <c>Stagecraft.Sdk.Gcp</c> provide them).
    /// </summary>
    public IObjectStorage? Storage { get; set; }

    /// <summary>How many stages may run at once; independent stages run concurrently up to this bound. Default: the processor count.</summary>
    public int MaxParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>Reuse a stage's stored output when its fingerprint (code hash, version, inputs, parameters) matches a completed one. Default: on.</summary>
    public bool CacheEnabled { get; set; } = true;

    /// <summary>
    /// On the first stage failure, cancel running stages and start no more. Off by default: a failure skips only
    /// the stages downstream of it, and independent branches run to completion.
    /// </summary>
    public bool FailFast { get; set; }

    /// <summary>Local directory under which each stage gets a fresh work directory (<c>{root}/{runId}/stages/{stage}</c>). Default: a <c>stagecraft</c> folder in the system temp directory.</summary>
    public string WorkDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "stagecraft", "work");

    /// <summary>
    /// The default of <see cref="JsonSerializerOptions"/>: public fields and tuples included, NaN and ±Infinity
    /// written as named literals, enums by name; records, arrays, lists and string-keyed dictionaries as
    /// System.Text.Json handles them. Read-only: copy it (<c>new JsonSerializerOptions(DefaultJsonSerializerOptions)</c>)
    /// to extend it.
    /// </summary>
    public static JsonSerializerOptions DefaultJsonSerializerOptions => StageJsonDefaults.Options;

    /// <summary>
    /// Serialises non-signal stage outputs and pipeline inputs (default: <see cref="DefaultJsonSerializerOptions"/>;
    /// options set here replace it). Every value must serialise, read back and serialise again to the same document,
    /// or its stage fails with <see cref="PipelineValueRoundTripException"/>. Supply options with a source-generated
    /// <c>TypeInfoResolver</c> for trimming/AOT safety.
    /// </summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = StageJsonDefaults.Options;

    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Receives every run's events (see <see cref="PipelineEvent"/>); called one event at a time, in order.</summary>
    public IProgress<PipelineEvent>? Progress { get; set; }

    /// <summary>How often a running pipeline's record is rewritten at most (it is always written at start and end). Default: 1 second.</summary>
    public TimeSpan RecordFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Where stages execute: null (the default) runs them in this process; a run backend runs each stage as a
    /// separate run of <see cref="WorkerCommand"/>, with inputs and outputs travelling through <see cref="Storage"/>
    /// (the worker must open the same storage).
    /// </summary>
    public IRunBackend? Backend { get; set; }

    /// <summary>The experiment's executable for <see cref="Backend"/> runs. Default: <see cref="PipelineWorkerCommand.CurrentProcess"/>.</summary>
    public PipelineWorkerCommand? WorkerCommand { get; set; }

    /// <summary>The host name recorded in provenance. Default: <see cref="Environment.MachineName"/>.</summary>
    public string HostName { get; set; } = Environment.MachineName;
}
