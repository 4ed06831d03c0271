namespace Stagecraft.Pipelines;

/// <summary>Data flows from <paramref name="From"/>'s output into <paramref name="To"/>'s parameter <paramref name="Parameter"/>.</summary>
public sealed record PipelineEdge(string From, string To, string Parameter);
