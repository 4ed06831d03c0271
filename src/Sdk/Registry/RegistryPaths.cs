using System.Globalization;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Registry;

/// <summary>
/// The only builder of model-registry storage keys. The registry lives beside the runs, never under
/// <see cref="RunPaths.RootPrefix"/> (only <see cref="RunPaths"/> builds keys there):
/// <code>
/// {root}models/{runId}.json                          immutable model record
/// {root}aliases/{alias}/current.json                 the alias pointer (moved by compare-and-swap on its generation)
/// {root}aliases/{alias}/history/{sequence:D12}.json  one create-only object per move
/// {root}aliases/{alias}/decisions/{id}.json          champion/challenger decisions
/// </code>
/// </summary>
public sealed class RegistryPaths
{
    /// <summary>The default root prefix.</summary>
    public const string DefaultRoot = "registry/";

    /// <param name="root">A key prefix ending in <c>/</c>, e.g. <c>registry/</c> or <c>team-a/registry/</c>.</param>
    /// <exception cref="ArgumentException">The prefix is not a valid folder prefix or lies under <c>runs/</c>.</exception>
    public RegistryPaths(string root = DefaultRoot)
    {
        ObjectKey.ValidatePrefix(root, nameof(root));
        if (!root.EndsWith('/'))
        {
            throw new ArgumentException($"Invalid registry root '{root}': it must end with '/'.", nameof(root));
        }

        if (root.StartsWith(RunPaths.RootPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Invalid registry root '{root}': the '{RunPaths.RootPrefix}' prefix belongs to runs.", nameof(root));
        }

        Root = root;
    }

    /// <summary>The registry's root prefix (ends with <c>/</c>).</summary>
    public string Root { get; }

    /// <summary><c>{root}models/</c></summary>
    public string ModelsPrefix => Root + "models/";

    /// <summary><c>{root}models/{runId}.json</c></summary>
    public string Model(string runId) => ModelsPrefix + RunId.Validate(runId) + ".json";

    /// <summary>The run id of a model-record key listed under <see cref="ModelsPrefix"/>, or null when the key is something else.</summary>
    public string? RunIdOfModelKey(string key)
    {
        if (!key.StartsWith(ModelsPrefix, StringComparison.Ordinal) || !key.EndsWith(".json", StringComparison.Ordinal))
        {
            return null;
        }

        var id = key[ModelsPrefix.Length..^".json".Length];
        return RunId.IsValid(id) ? id : null;
    }

    /// <summary><c>{root}aliases/</c></summary>
    public string AliasesPrefix => Root + "aliases/";

    /// <summary><c>{root}aliases/{alias}/</c></summary>
    public string Alias(string alias) => AliasesPrefix + AliasName.Validate(alias) + "/";

    /// <summary>The alias of a folder listed (with delimiter <c>/</c>) under <see cref="AliasesPrefix"/>, or null when it is something else.</summary>
    public string? AliasOfPrefix(string prefix)
    {
        if (!prefix.StartsWith(AliasesPrefix, StringComparison.Ordinal) || !prefix.EndsWith('/'))
        {
            return null;
        }

        var alias = prefix[AliasesPrefix.Length..^1];
        return AliasName.IsValid(alias) ? alias : null;
    }

    /// <summary><c>{root}aliases/{alias}/current.json</c>: the pointer every move compares-and-swaps.</summary>
    public string AliasPointer(string alias) => Alias(alias) + "current.json";

    /// <summary><c>{root}aliases/{alias}/history/</c></summary>
    public string AliasHistoryPrefix(string alias) => Alias(alias) + "history/";

    /// <summary><c>{root}aliases/{alias}/history/{sequence:D12}.json</c>: zero-padded so listing order is move order.</summary>
    public string AliasHistoryEntry(string alias, long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequence);
        return AliasHistoryPrefix(alias) + sequence.ToString("D12", CultureInfo.InvariantCulture) + ".json";
    }

    /// <summary><c>{root}aliases/{alias}/decisions/</c></summary>
    public string AliasDecisionsPrefix(string alias) => Alias(alias) + "decisions/";

    /// <summary><c>{root}aliases/{alias}/decisions/{decisionId}.json</c></summary>
    public string AliasDecision(string alias, string decisionId)
    {
        ObjectKey.Validate(decisionId, nameof(decisionId));
        if (decisionId.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Invalid decision id '{decisionId}': it must be a single path segment.", nameof(decisionId));
        }

        return AliasDecisionsPrefix(alias) + decisionId + ".json";
    }

    public override string ToString() => Root;
}
