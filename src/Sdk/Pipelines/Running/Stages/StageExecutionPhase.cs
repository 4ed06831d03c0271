namespace Stagecraft.Pipelines;

/// <summary>Where a stage execution is, so a failure's reason says what failed (the stage itself, or the runtime around it).</summary>
internal enum StageExecutionPhase
{
    /// <summary>The stage method is running.</summary>
    Running,

    /// <summary>The runtime is checking the stage's output (type, null, round trip).</summary>
    CheckingOutput,

    /// <summary>The runtime is storing the stage's output.</summary>
    StoringOutput,
}
