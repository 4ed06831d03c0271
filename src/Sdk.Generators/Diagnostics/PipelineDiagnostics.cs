using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Stagecraft.Generators.Diagnostics;

/// <summary>
/// The pipeline generator's diagnostics. Ids are stable (documented in src/Sdk.Generators/README.md and tracked in
/// AnalyzerReleases.*.md): never renumber, only add.
/// </summary>
internal static class PipelineDiagnostics
{
    public const string Category = "Stagecraft.Pipelines";

    private const string HelpBase = "https://github.com/stagecraft/stagecraft/blob/main/src/Sdk.Generators/README.md#";

    public static readonly DiagnosticDescriptor DuplicateStageName = Create(
        "SC1001",
        "Duplicate stage name",
        "Pipeline '{0}' already has a stage named '{1}' (method '{2}'); stage names must be unique within a pipeline",
        "Every stage of a pipeline needs its own name: it keys cached outputs, run records and [From] references. Rename the method or pass a distinct name to [Stage(\"...\")].");

    public static readonly DiagnosticDescriptor UnknownUpstreamStage = Create(
        "SC1002",
        "[From] names an unknown stage",
        "[From(\"{0}\")] on parameter '{1}' of stage '{2}' names no stage of pipeline '{3}'; its stages are: {4}",
        "[From] must name a stage of the same pipeline, by stage name (or by method name, which is what nameof(Method) gives). Stages of other pipelines cannot be referenced.");

    public static readonly DiagnosticDescriptor UpstreamTypeMismatch = Create(
        "SC1003",
        "Upstream output type does not match the parameter",
        "Parameter '{0}' of stage '{1}' has type '{2}', but stage '{3}' outputs '{4}', which does not convert to it",
        "A parameter bound to an upstream stage must accept that stage's output: the same type, a base type or interface of it, or a nullable form of it. Numeric and user-defined conversions are not applied.");

    public static readonly DiagnosticDescriptor Cycle = Create(
        "SC1004",
        "Pipeline stages form a cycle",
        "Pipeline '{0}' has a cycle: {1}",
        "A pipeline is a directed acyclic graph: a stage cannot (directly or indirectly) read its own output. The arrows in the message show data flow from producer to consumer.");

    public static readonly DiagnosticDescriptor AmbiguousBinding = Create(
        "SC1005",
        "Ambiguous parameter binding",
        "Parameter '{0}' of stage '{1}' has type '{2}', which several stages produce ({3}); add [From(nameof(...))] to pick one, or [Input] to make it a pipeline input",
        "A parameter without [From] binds to the one other stage that outputs its exact type. When several stages output it the generator does not guess.");

    public static readonly DiagnosticDescriptor UnboundParameter = Create(
        "SC1006",
        "Unbound parameter",
        "Parameter '{0}' of stage '{1}' is unbound: {2}; add [From(nameof(...))] to read a stage's output, or [Input] to make it a pipeline input",
        "A parameter without [From] or [Input] whose type a stage of the pipeline produces must bind to a stage, but binding by type is refused when the only producer is the stage itself, or when the type mentions only System types (int, string, double[], List<float>, ...), where a match is more likely a coincidence than data flow. Either mark the intent explicitly or give the data a type of its own.");

    public static readonly DiagnosticDescriptor InvalidStageSignature = Create(
        "SC1007",
        "Invalid stage signature",
        "Stage method '{0}' is invalid: {1}",
        "A stage is an ordinary, static, non-generic method of a partial [Pipeline] class. It returns a value, Task<T> or ValueTask<T> (not void, Task or ValueTask, not by reference, not a ref struct or pointer), and its parameters are passed by value (no ref, out, in) and can be boxed.");

    public static readonly DiagnosticDescriptor InvalidPipelineClass = Create(
        "SC1008",
        "Invalid [Pipeline] class",
        "[Pipeline] class '{0}' is invalid: {1}",
        "The generator adds members to a [Pipeline] class, so the class (and every class containing it) must be declared partial, and it cannot be generic or file-local.");

    public static readonly DiagnosticDescriptor StageOutsidePipeline = Create(
        "SC1009",
        "[Stage] outside a [Pipeline] class",
        "[Stage] on '{0}' has no effect: {1}",
        "Only methods of a [Pipeline] class become stages. Add [Pipeline] to the containing class, or remove [Stage].",
        DiagnosticSeverity.Warning);

    private const string InvalidNameTitle = "Invalid or reserved name";

    private const string InvalidNameDescription =
        "Stage names become generated members (StageNames.X, Outputs.X), so they must be C# identifiers other than the generated type names and the members of object; pipeline names cannot be blank; input names cannot be the RunAsync parameters 'runner' and 'cancellationToken'; and a pipeline class cannot declare members named like the generated ones (Graph, Outputs, StageNames).";

    /// <summary>SC1010, a stage name that cannot name generated members.</summary>
    public static readonly DiagnosticDescriptor InvalidStageName = Create(
        "SC1010",
        InvalidNameTitle,
        "Stage name '{0}' of method '{1}' cannot be used: stage names name generated members, so they must be C# identifiers other than 'Outputs', 'StageNames' and the members of object",
        InvalidNameDescription);

    /// <summary>SC1010, a blank <c>[Pipeline(Name = ...)]</c>.</summary>
    public static readonly DiagnosticDescriptor BlankPipelineName = Create(
        "SC1010",
        InvalidNameTitle,
        "Pipeline name of '{0}' is blank; give [Pipeline(Name = ...)] a name, or leave it out to use the class name",
        InvalidNameDescription);

    /// <summary>SC1010, a pipeline input named like a parameter of the generated <c>RunAsync</c>.</summary>
    public static readonly DiagnosticDescriptor ReservedInputName = Create(
        "SC1010",
        InvalidNameTitle,
        "Pipeline input '{0}' (parameter of stage '{1}') has the name of a parameter of the generated RunAsync; rename the parameter",
        InvalidNameDescription);

    /// <summary>SC1010, a member of the pipeline class named like a generated member.</summary>
    public static readonly DiagnosticDescriptor ReservedMemberName = Create(
        "SC1010",
        InvalidNameTitle,
        "Member '{0}' of pipeline class '{1}' has the name of a generated member; rename it",
        InvalidNameDescription);

    public static readonly DiagnosticDescriptor InputTypeConflict = Create(
        "SC1011",
        "Pipeline input used with different types",
        "Pipeline input '{0}' is '{1}' in stage '{2}' but '{3}' in stage '{4}'; parameters naming the same input must have the same type",
        "Parameters that become pipeline inputs are keyed by their name, and each input has one type. Rename one of the parameters, or make their types agree.");

    public static readonly DiagnosticDescriptor InvalidStageProfile = Create(
        "SC1012",
        "Invalid stage profile",
        "Stage '{0}' has a blank Profile; name a resource profile of the runner's placement, or leave Profile out for the default placement",
        "[Stage(Profile = ...)] names the resource profile (a key of the runner's placement) the stage runs on. It cannot be empty or whitespace.");

    public static readonly DiagnosticDescriptor InvalidStageTimeout = Create(
        "SC1013",
        "Invalid stage timeout",
        "Stage '{0}' has Timeout \"{1}\", which {2}; write a positive TimeSpan in the invariant \"c\" format, such as \"02:00:00\" or \"1.12:00:00\"",
        "[Stage(Timeout = ...)] is the longest a run of the stage may take, parsed at compile time as a TimeSpan in the invariant \"c\" format ([-][d.]hh:mm:ss[.fffffff]). It must be positive.");

    public static readonly DiagnosticDescriptor InvalidStageRetries = Create(
        "SC1014",
        "Invalid stage retries",
        "Stage '{0}' has Retries = {1}; the number of retries cannot be negative (0 means never retry)",
        "[Stage(Retries = n)] is how many times a failed run of the stage is retried. It cannot be negative; leave it out for the runner's default.");

    public static readonly DiagnosticDescriptor AssignableFromStageOutputs = Create(
        "SC1015",
        "Parameter type is assignable from stage outputs",
        "Parameter '{0}' of stage '{1}' has type '{2}', which no stage outputs exactly, but {3}; add [From(nameof({4}))] to read that output, or [Input] to make it a pipeline input",
        "A parameter binds by type only to a stage that outputs exactly its type. When stages output a type derived from it or implementing it, the generator does not guess whether the parameter is that output or a pipeline input: it would otherwise become an input silently, and a stage reading it would not wait for the stage that produces it.");

    public static readonly DiagnosticDescriptor NotJsonRoundTrippable = Create(
        "SC1016",
        "Stage value cannot round-trip through JSON",
        "{0} of stage '{1}' has type '{2}', which cannot round-trip through System.Text.Json: {3}; {4}",
        "Stage outputs and pipeline inputs are stored as JSON (public properties and fields, records, arrays, lists, dictionaries with string keys, enums, tuples, NaN and infinities) and read back for cached runs and downstream stages. A type JSON cannot store or re-create would give later runs a different value than the first; signal types (FileSignal, DirectorySignal, CsvSignal, NpySignal) carry file data, and [JsonConverter] takes over a type's conversion.");

    public static readonly DiagnosticDescriptor NullableOutputToNonNullableParameter = Create(
        "SC1017",
        "Nullable output bound to a non-nullable parameter",
        "Parameter '{0}' of stage '{1}' is '{2}', but stage '{3}' declares its output '{4}', which may be null; make the parameter nullable, or the output non-nullable",
        "A stage whose output is declared nullable may return null; a parameter bound to it that is not nullable would then receive null where the code does not expect it. The runtime fails such a stage with an error naming it, but the declarations already disagree at compile time.",
        DiagnosticSeverity.Warning);

    /// <summary>Every descriptor; an id with several message formats (SC1010) appears once per format.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> Descriptors { get; } = new[]
    {
        DuplicateStageName,
        UnknownUpstreamStage,
        UpstreamTypeMismatch,
        Cycle,
        AmbiguousBinding,
        UnboundParameter,
        InvalidStageSignature,
        InvalidPipelineClass,
        StageOutsidePipeline,
        InvalidStageName,
        BlankPipelineName,
        ReservedInputName,
        ReservedMemberName,
        InputTypeConflict,
        InvalidStageProfile,
        InvalidStageTimeout,
        InvalidStageRetries,
        AssignableFromStageOutputs,
        NotJsonRoundTrippable,
        NullableOutputToNonNullableParameter,
    };

    private static DiagnosticDescriptor Create(string id, string title, string message, string description, DiagnosticSeverity severity = DiagnosticSeverity.Error) =>
        new(id, title, message, Category, severity, isEnabledByDefault: true, description, HelpBase + id.ToLowerInvariant());
}
