using Stagecraft.Generators.Common;
using Stagecraft.Generators.Diagnostics;

namespace Stagecraft.Generators.Pipelines.Model;

/// <summary>
/// What the generator learns from one <c>[Pipeline]</c> class: a model when the pipeline is valid (null otherwise:
/// nothing is emitted for an invalid graph) and the diagnostics to report. The two travel separately afterwards,
/// so that locations in diagnostics never make an unchanged model look changed.
/// </summary>
internal sealed record PipelineResult(PipelineModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
