namespace Stagecraft.Registry;

/// <summary>
/// What an alias pointed at when it was read, and the generation it was read at — pass that generation back to
/// <see cref="ModelRegistry.SetAliasAsync"/> so the move happens only if nobody moved the alias in between.
/// </summary>
/// <param name="Alias">The alias.</param>
/// <param name="RunId">The run it points at, or null when it was never set or was cleared.</param>
/// <param name="Generation">The generation of the alias pointer read (0 = never set).</param>
/// <param name="Sequence">How many moves the alias has had (0 = never set).</param>
public sealed record AliasResolution(string Alias, string? RunId, long Generation, long Sequence)
{
    /// <summary>True when the alias points at a run.</summary>
    public bool IsSet => RunId is not null;

    /// <summary>The run id; <see cref="AliasNotSetException"/> when the alias points at nothing.</summary>
    public string RequireRunId() => RunId ?? throw new AliasNotSetException(Alias);
}
