using System.Collections.Immutable;

namespace Stagecraft.Pipelines;

/// <summary>
/// The content of <see cref="PipelinePaths.PruneMarker"/>: a run being removed, and the backend runs its stages used
/// (their folders go too), so a prune that finishes an interrupted removal knows them without the deleted record.
/// </summary>
internal sealed record PruneMarkerDocument(string RunId, string Pipeline, ImmutableArray<string> BackendRunIds);
