using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Stagecraft.Artifacts;
using Stagecraft.Registry.Documents;
using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.Storage.Json;
using Stagecraft.Telemetry;

namespace Stagecraft.Registry;

/// <summary>
/// A model registry kept in object storage: immutable model records per run, and aliases (<c>production</c>,
/// <c>champion</c>) that point at runs and move only by compare-and-swap on the alias object's generation.
/// </summary>
/// <remarks>
/// <para>Every move is a conditional write of the alias pointer (<see cref="RegistryPaths.AliasPointer"/>): two movers
/// that read the same generation cannot both win, so no update is lost. The pointer carries the full record of the
/// move that wrote it; each move is then copied to a create-only history object keyed by its sequence number. A mover
/// first writes (create-only, idempotent) the history entry of the move it is replacing, so the history stays a gap-free
/// chain even when a mover dies between its swap and its history write.</para>
/// <para>Pipelines should resolve "the champion" from the run id they recorded when they registered or resolved it
/// (<see cref="GetModelAsync"/>), never by resolving a live alias again later: another step may have moved it.</para>
/// </remarks>
public class ModelRegistry
{
    private static readonly PutObjectOptions CreateOnly = new() { IfGenerationMatch = 0, ContentType = "application/json" };

    private readonly IObjectStorage _storage;
    private readonly ILogger _logger;

    /// <param name="storage">Where the registry lives.</param>
    /// <param name="options">Root prefix, actor, clock and logging.</param>
    public ModelRegistry(IObjectStorage storage, ModelRegistryOptions? options = null)
    {
        _storage = storage ?? throw new ArgumentNullException(nameof(storage));
        Options = options ?? new ModelRegistryOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(Options.Actor, "options.Actor");
        ArgumentNullException.ThrowIfNull(Options.TimeProvider, "options.TimeProvider");
        Paths = new RegistryPaths(Options.Root);
        _logger = Options.LoggerFactory.CreateLogger<ModelRegistry>();
    }

    /// <summary>The registry's storage layout.</summary>
    public RegistryPaths Paths { get; }

    public ModelRegistryOptions Options { get; }

    /// <summary>
    /// Registers a run's model. The record is created once (create-only); registering the same content again returns
    /// the stored record, registering different content throws <see cref="ModelAlreadyRegisteredException"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The registration breaks a rule (names the field and value).</exception>
    public virtual async Task<RegisteredModel> RegisterAsync(ModelRegistration registration, CancellationToken cancellationToken = default)
    {
        ValidateRegistration(registration);
        using var activity = RegistryTelemetry.Source.StartActivity("registry.register");
        activity?.SetTag(StagecraftTags.RunId, registration.RunId);

        var document = new ModelDocument
        {
            RunId = registration.RunId,
            Stage = registration.Stage,
            ArtifactUri = registration.ArtifactUri.ToString(),
            ArtifactSha256 = registration.ArtifactSha256,
            ArtifactSize = registration.ArtifactSize,
            Metrics = new SortedDictionary<string, double>(registration.Metrics.ToDictionary(StringComparer.Ordinal), StringComparer.Ordinal),
            Tags = new SortedDictionary<string, string>(registration.Tags.ToDictionary(StringComparer.Ordinal), StringComparer.Ordinal),
            RegisteredAt = Options.TimeProvider.GetUtcNow(),
            RegisteredBy = Options.Actor,
        };

        var key = Paths.Model(registration.RunId);
        try
        {
            var info = await PutJsonAsync(key, document, RegistryJsonContext.Default.ModelDocument, CreateOnly, cancellationToken).ConfigureAwait(false);
            RegistryLog.ModelRegistered(_logger, document.RunId, document.ArtifactUri);
            return ToModel(document, info.Generation, key);
        }
        catch (PreconditionFailedException)
        {
            var existing = await GetModelAsync(registration.RunId, cancellationToken).ConfigureAwait(false);
            return FirstDifference(existing, registration) is { } difference
                ? throw new ModelAlreadyRegisteredException(existing, difference)
                : existing; // a retried registration of the same model is not an error
        }
    }

    /// <summary>The model registered for a run; <see cref="ModelNotFoundException"/> when there is none.</summary>
    public virtual async Task<RegisteredModel> GetModelAsync(string runId, CancellationToken cancellationToken = default) =>
        await TryGetModelAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new ModelNotFoundException(runId);

    /// <summary>The model registered for a run, or null.</summary>
    public virtual async Task<RegisteredModel?> TryGetModelAsync(string runId, CancellationToken cancellationToken = default)
    {
        var key = Paths.Model(runId);
        var read = await TryReadJsonAsync(key, RegistryJsonContext.Default.ModelDocument, cancellationToken).ConfigureAwait(false);
        return read is { } r ? ToModel(r.Document, r.Info.Generation, key) : null;
    }

    /// <summary>Every registered model, in run-id order.</summary>
    public virtual async IAsyncEnumerable<RegisteredModel> ListModelsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var entry in _storage.ListAsync(Paths.ModelsPrefix, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entry.Object is { } obj && Paths.RunIdOfModelKey(obj.Key) is { } runId
                && await TryGetModelAsync(runId, cancellationToken).ConfigureAwait(false) is { } model)
            {
                yield return model;
            }
        }
    }

    /// <summary>Where an alias points now, and the generation read (pass it to <see cref="SetAliasAsync"/>).</summary>
    public virtual async Task<AliasResolution> ResolveAsync(string alias, CancellationToken cancellationToken = default)
    {
        var (pointer, generation) = await ReadPointerAsync(alias, cancellationToken).ConfigureAwait(false);
        return new AliasResolution(alias, pointer?.RunId, generation, pointer?.Sequence ?? 0);
    }

    /// <summary>Every alias that has ever been set (cleared ones included, with a null run id), in name order, each as <see cref="ResolveAsync"/> reads it.</summary>
    public virtual async IAsyncEnumerable<AliasResolution> ListAliasesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var options = new ListObjectsOptions { Delimiter = "/" };
        await foreach (var entry in _storage.ListAsync(Paths.AliasesPrefix, options, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Prefix is { } prefix && Paths.AliasOfPrefix(prefix) is { } alias)
            {
                var resolution = await ResolveAsync(alias, cancellationToken).ConfigureAwait(false);
                if (resolution.Generation != 0)
                {
                    yield return resolution;
                }
            }
        }
    }

    /// <summary>
    /// Moves <paramref name="alias"/> to <paramref name="runId"/> if it is still at <paramref name="expectedGeneration"/>
    /// (0 = never set); otherwise throws <see cref="AliasConflictException"/> and changes nothing. The run must have a
    /// registered model.
    /// </summary>
    /// <returns>The move, as recorded in the alias history.</returns>
    public virtual Task<AliasMove> SetAliasAsync(string alias, string runId, long expectedGeneration, string reason, CancellationToken cancellationToken = default)
    {
        RunId.Validate(runId);
        return MoveAsync(alias, runId, expectedGeneration, reason, cancellationToken);
    }

    /// <summary>Makes <paramref name="alias"/> point at nothing, with the same compare-and-swap and history as a move.</summary>
    public virtual Task<AliasMove> ClearAliasAsync(string alias, long expectedGeneration, string reason, CancellationToken cancellationToken = default) =>
        MoveAsync(alias, null, expectedGeneration, reason, cancellationToken);

    /// <summary>
    /// Every move of the alias in order (sequence 1, 2, …). The last move's entry is written from the pointer first if
    /// its mover has not written it yet, so the history read is complete up to the pointer read.
    /// </summary>
    public virtual async IAsyncEnumerable<AliasMove> GetAliasHistoryAsync(string alias, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (pointer, generation) = await ReadPointerAsync(alias, cancellationToken).ConfigureAwait(false);
        if (pointer is not null)
        {
            await EnsureHistoryEntryAsync(alias, pointer, generation, cancellationToken).ConfigureAwait(false);
        }

        await foreach (var entry in _storage.ListAsync(Paths.AliasHistoryPrefix(alias), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entry.Object is not { } obj)
            {
                continue;
            }

            var read = await TryReadJsonAsync(obj.Key, RegistryJsonContext.Default.AliasMoveDocument, cancellationToken).ConfigureAwait(false);
            if (read is { } r)
            {
                yield return ToMove(r.Document, r.Document.Generation ?? throw new RegistryDataException(obj.Key, "a history entry has no generation", null));
            }
        }
    }

    /// <summary>
    /// Champion/challenger: moves <paramref name="alias"/> to <paramref name="challengerRunId"/> only if the challenger's
    /// metric beats the current champion's by more than the policy's margin (or the alias is unset). The decision, with
    /// both values, is recorded under the alias whether or not it promoted.
    /// </summary>
    /// <exception cref="AliasConflictException">The alias moved between the comparison and the move; decide again.</exception>
    /// <exception cref="MetricNotFoundException">A model lacks the policy's metric.</exception>
    public virtual async Task<PromotionDecision> PromoteIfBetterAsync(string alias, string challengerRunId, PromotionPolicy policy, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        RunId.Validate(challengerRunId, nameof(challengerRunId));
        using var activity = RegistryTelemetry.Source.StartActivity("registry.promote");
        activity?.SetTag(StagecraftTags.RegistryAlias, alias);
        activity?.SetTag(StagecraftTags.RunId, challengerRunId);

        var current = await ResolveAsync(alias, cancellationToken).ConfigureAwait(false);
        var challenger = await GetModelAsync(challengerRunId, cancellationToken).ConfigureAwait(false);
        var challengerValue = challenger.GetMetric(policy.Metric);
        var inv = CultureInfo.InvariantCulture;

        double? championValue = null;
        double? improvement = null;
        bool promote;
        string explanation;
        if (current.RunId is null)
        {
            promote = true;
            explanation = string.Create(inv, $"alias '{alias}' had no champion; challenger '{challengerRunId}' ({policy.Metric}={challengerValue:G6}) becomes champion");
        }
        else if (current.RunId == challengerRunId)
        {
            promote = false;
            championValue = challengerValue;
            improvement = 0;
            explanation = string.Create(inv, $"challenger '{challengerRunId}' already is the champion of '{alias}'");
        }
        else
        {
            var champion = await GetModelAsync(current.RunId, cancellationToken).ConfigureAwait(false);
            championValue = champion.GetMetric(policy.Metric);
            improvement = policy.Improvement(championValue.Value, challengerValue);
            promote = policy.Beats(championValue.Value, challengerValue);
            var direction = policy.Direction == MetricDirection.HigherIsBetter ? "higher" : "lower";
            explanation = string.Create(
                inv,
                $"{policy.Metric} ({direction} is better): challenger '{challengerRunId}' {challengerValue:G6} vs champion '{current.RunId}' {championValue:G6}, improvement {improvement:G6} {(promote ? ">" : "<=")} margin {policy.Margin:G6}");
        }

        AliasMove? move = null;
        if (promote)
        {
            move = await SetAliasAsync(alias, challengerRunId, current.Generation, reason ?? "promoted: " + explanation, cancellationToken).ConfigureAwait(false);
        }

        var decidedAt = Options.TimeProvider.GetUtcNow();
        var document = new DecisionDocument
        {
            Id = string.Create(inv, $"{decidedAt.UtcDateTime:yyyyMMdd'T'HHmmssfffffff'Z'}-{Guid.NewGuid():N}"),
            Alias = alias,
            Metric = policy.Metric,
            Direction = policy.Direction,
            Margin = policy.Margin,
            ChampionRunId = current.RunId,
            ChampionValue = championValue,
            ChallengerRunId = challengerRunId,
            ChallengerValue = challengerValue,
            Improvement = improvement,
            Promoted = promote,
            Explanation = explanation,
            AliasGeneration = current.Generation,
            Move = move is null ? null : ToDocument(move),
            DecidedAt = decidedAt,
            DecidedBy = Options.Actor,
        };

        // A promotion already happened; recording it must not be abandoned halfway because the caller gave up.
        var token = promote ? CancellationToken.None : cancellationToken;
        await PutJsonAsync(Paths.AliasDecision(alias, document.Id), document, RegistryJsonContext.Default.DecisionDocument, CreateOnly, token).ConfigureAwait(false);
        RegistryLog.PromotionDecided(_logger, document.Id, alias, promote, explanation);
        return ToDecision(document);
    }

    /// <summary>Every recorded promotion decision of the alias, oldest first.</summary>
    public virtual async IAsyncEnumerable<PromotionDecision> GetDecisionsAsync(string alias, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var entry in _storage.ListAsync(Paths.AliasDecisionsPrefix(alias), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entry.Object is { } obj
                && await TryReadJsonAsync(obj.Key, RegistryJsonContext.Default.DecisionDocument, cancellationToken).ConfigureAwait(false) is { } read)
            {
                yield return ToDecision(read.Document);
            }
        }
    }

    private async Task<AliasMove> MoveAsync(string alias, string? runId, long expectedGeneration, string reason, CancellationToken cancellationToken)
    {
        AliasName.Validate(alias);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedGeneration);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        using var activity = RegistryTelemetry.Source.StartActivity("registry.move_alias");
        activity?.SetTag(StagecraftTags.RegistryAlias, alias);
        activity?.SetTag(StagecraftTags.RunId, runId);

        // An alias may only point at a registered model: its artefact URI was parsed and validated when it was registered.
        if (runId is not null && await _storage.StatAsync(Paths.Model(runId), cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ModelNotFoundException(runId);
        }

        var (current, currentGeneration) = await ReadPointerAsync(alias, cancellationToken).ConfigureAwait(false);
        if (currentGeneration != expectedGeneration)
        {
            throw new AliasConflictException(alias, expectedGeneration, currentGeneration, current?.RunId);
        }

        if (current is not null)
        {
            // Keep the chain gap-free: the move we are about to replace must be in the history first.
            await EnsureHistoryEntryAsync(alias, current, currentGeneration, cancellationToken).ConfigureAwait(false);
        }

        var next = new AliasMoveDocument
        {
            Alias = alias,
            Sequence = (current?.Sequence ?? 0) + 1,
            RunId = runId,
            FromRunId = current?.RunId,
            FromGeneration = currentGeneration,
            MovedAt = Options.TimeProvider.GetUtcNow(),
            MovedBy = Options.Actor,
            Reason = reason,
        };

        ObjectInfo written;
        try
        {
            written = await PutJsonAsync(
                Paths.AliasPointer(alias),
                next,
                RegistryJsonContext.Default.AliasMoveDocument,
                new PutObjectOptions { IfGenerationMatch = expectedGeneration, ContentType = "application/json" },
                cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException ex)
        {
            throw new AliasConflictException(alias, expectedGeneration, ex.ActualGeneration, null, ex);
        }

        try
        {
            // The move happened; its history entry is written even if the caller cancels now.
            await EnsureHistoryEntryAsync(alias, next, written.Generation, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StorageException or IOException)
        {
            RegistryLog.HistoryWriteDeferred(_logger, ex, alias, written.Generation, next.Sequence);
        }

        RegistryLog.AliasMoved(_logger, alias, next.FromRunId ?? "(unset)", runId ?? "(unset)", next.Sequence, written.Generation, reason);
        return ToMove(next, written.Generation);
    }

    private async Task EnsureHistoryEntryAsync(string alias, AliasMoveDocument pointer, long generation, CancellationToken cancellationToken)
    {
        var entry = new AliasMoveDocument
        {
            Alias = pointer.Alias,
            Sequence = pointer.Sequence,
            RunId = pointer.RunId,
            FromRunId = pointer.FromRunId,
            FromGeneration = pointer.FromGeneration,
            Generation = generation,
            MovedAt = pointer.MovedAt,
            MovedBy = pointer.MovedBy,
            Reason = pointer.Reason,
        };

        try
        {
            await PutJsonAsync(Paths.AliasHistoryEntry(alias, pointer.Sequence), entry, RegistryJsonContext.Default.AliasMoveDocument, CreateOnly, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            // Already written, by the mover or by another reader: entries are derived from the pointer, so they are equal.
        }
    }

    private async Task<(AliasMoveDocument? Pointer, long Generation)> ReadPointerAsync(string alias, CancellationToken cancellationToken)
    {
        var key = Paths.AliasPointer(alias);
        var read = await TryReadJsonAsync(key, RegistryJsonContext.Default.AliasMoveDocument, cancellationToken).ConfigureAwait(false);
        if (read is not { } r)
        {
            return (null, 0);
        }

        if (r.Document.Alias != alias || r.Document.Sequence <= 0)
        {
            throw new RegistryDataException(key, $"the pointer names alias '{r.Document.Alias}' at sequence {r.Document.Sequence}", null);
        }

        return (r.Document, r.Info.Generation);
    }

    private Task<ObjectInfo> PutJsonAsync<T>(string key, T document, JsonTypeInfo<T> typeInfo, PutObjectOptions options, CancellationToken cancellationToken) =>
        _storage.PutJsonAsync(key, document, typeInfo, options, cancellationToken);

    private async Task<(T Document, ObjectInfo Info)?> TryReadJsonAsync<T>(string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await _storage.TryReadJsonAsync(key, typeInfo, cancellationToken).ConfigureAwait(false) is { } read ? (read.Document, read.Info) : null;
        }
        catch (StoredDocumentException ex)
        {
            // Registry callers handle one exception family for corrupt registry data.
            throw new RegistryDataException(key, ex.Message, ex);
        }
    }

    private static void ValidateRegistration(ModelRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        RunId.Validate(registration.RunId, "registration.RunId");
        ArgumentException.ThrowIfNullOrWhiteSpace(registration.Stage, "registration.Stage");
        ArgumentNullException.ThrowIfNull(registration.ArtifactUri, "registration.ArtifactUri");
        if (registration.ArtifactUri.RunId != registration.RunId)
        {
            throw new ArgumentException(
                $"The artefact '{registration.ArtifactUri}' belongs to run '{registration.ArtifactUri.RunId}', not to the registered run '{registration.RunId}'.",
                "registration.ArtifactUri");
        }

        var hash = registration.ArtifactSha256;
        if (hash is null || hash.Length != 64 || !hash.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            throw new ArgumentException($"Invalid artefact hash '{hash}': a SHA-256 is 64 lower-case hex digits.", "registration.ArtifactSha256");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(registration.ArtifactSize, "registration.ArtifactSize");
        ArgumentNullException.ThrowIfNull(registration.Metrics, "registration.Metrics");
        foreach (var (name, value) in registration.Metrics)
        {
            ValidateLabel(name, "metric name", "registration.Metrics");
            if (!double.IsFinite(value))
            {
                throw new ArgumentException($"Metric '{name}' is {value.ToString(CultureInfo.InvariantCulture)}; metrics must be finite numbers.", "registration.Metrics");
            }
        }

        ArgumentNullException.ThrowIfNull(registration.Tags, "registration.Tags");
        foreach (var (name, value) in registration.Tags)
        {
            ValidateLabel(name, "tag name", "registration.Tags");
            ArgumentNullException.ThrowIfNull(value, $"registration.Tags[{name}]");
        }
    }

    private static void ValidateLabel(string name, string what, string paramName)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 256 || name.Any(char.IsControl))
        {
            throw new ArgumentException($"Invalid {what} '{name}': it must be 1 to 256 characters without control characters.", paramName);
        }
    }

    private static string? FirstDifference(RegisteredModel existing, ModelRegistration wanted)
    {
        if (existing.Stage != wanted.Stage)
        {
            return "stage";
        }

        if (existing.ArtifactUri != wanted.ArtifactUri)
        {
            return "artifactUri";
        }

        if (existing.ArtifactSha256 != wanted.ArtifactSha256)
        {
            return "artifactSha256";
        }

        if (existing.ArtifactSize != wanted.ArtifactSize)
        {
            return "artifactSize";
        }

        if (existing.Metrics.Count != wanted.Metrics.Count
            || wanted.Metrics.Any(m => !existing.Metrics.TryGetValue(m.Key, out var v) || !v.Equals(m.Value)))
        {
            return "metrics";
        }

        if (existing.Tags.Count != wanted.Tags.Count
            || wanted.Tags.Any(t => !existing.Tags.TryGetValue(t.Key, out var v) || v != t.Value))
        {
            return "tags";
        }

        return null;
    }

    private static RegisteredModel ToModel(ModelDocument d, long generation, string key)
    {
        if (d.Schema != 1 || !RunId.IsValid(d.RunId) || !ArtifactUri.TryParse(d.ArtifactUri, out var uri))
        {
            throw new RegistryDataException(key, $"schema {d.Schema}, run id '{d.RunId}', artefact URI '{d.ArtifactUri}' is not a model record this version reads", null);
        }

        return new RegisteredModel(
            d.RunId,
            d.Stage,
            uri,
            d.ArtifactSha256,
            d.ArtifactSize,
            new SortedDictionary<string, double>(d.Metrics, StringComparer.Ordinal).AsReadOnly(),
            new SortedDictionary<string, string>(d.Tags, StringComparer.Ordinal).AsReadOnly(),
            d.RegisteredAt,
            d.RegisteredBy,
            generation);
    }

    private static AliasMove ToMove(AliasMoveDocument d, long generation) =>
        new(d.Alias, d.Sequence, d.FromRunId, d.RunId, d.FromGeneration, generation, d.MovedAt, d.MovedBy, d.Reason);

    private static AliasMoveDocument ToDocument(AliasMove m) => new()
    {
        Alias = m.Alias,
        Sequence = m.Sequence,
        RunId = m.ToRunId,
        FromRunId = m.FromRunId,
        FromGeneration = m.FromGeneration,
        Generation = m.Generation,
        MovedAt = m.MovedAt,
        MovedBy = m.MovedBy,
        Reason = m.Reason,
    };

    private static PromotionDecision ToDecision(DecisionDocument d) => new()
    {
        Id = d.Id,
        Alias = d.Alias,
        Metric = d.Metric,
        Direction = d.Direction,
        Margin = d.Margin,
        ChampionRunId = d.ChampionRunId,
        ChampionValue = d.ChampionValue,
        ChallengerRunId = d.ChallengerRunId,
        ChallengerValue = d.ChallengerValue,
        Improvement = d.Improvement,
        Promoted = d.Promoted,
        Explanation = d.Explanation,
        AliasGeneration = d.AliasGeneration,
        Move = d.Move is { } m ? ToMove(m, m.Generation ?? 0) : null,
        DecidedAt = d.DecidedAt,
        DecidedBy = d.DecidedBy,
    };
}
