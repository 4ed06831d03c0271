namespace Stagecraft.Pipelines;

/// <summary>A value the caller supplies when running the pipeline (a stage parameter not bound to a stage).</summary>
public sealed record PipelineInputDescriptor(string Name, Type Type);
