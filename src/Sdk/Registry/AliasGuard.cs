using Microsoft.Extensions.Logging;

namespace Stagecraft.Registry;

/// <summary>
/// A safeguard for a pipeline that moves aliases: it remembers every alias moved through it and, unless the pipeline
/// calls <see cref="Complete"/>, puts them back where they were. Restoring is best-effort and never throws — a failed
/// restore is logged with its exception and never hides the pipeline's own failure.
/// </summary>
/// <remarks>
/// <para>Each restore is a compare-and-swap against the generation the guard itself wrote last: if someone else moved the
/// alias after the pipeline did, their move stands (<see cref="AliasRestoreStatus.SkippedMovedByOthers"/>).</para>
/// <code>
/// await using var guard = new AliasGuard(registry);
/// await guard.PromoteIfBetterAsync("production", challenger, policy);
/// await RunTheRestAsync();   // throws → DisposeAsync restores "production"
/// guard.Complete();
/// </code>
/// </remarks>
public sealed class AliasGuard : IAsyncDisposable
{
    private readonly ModelRegistry _registry;
    private readonly ILogger _logger;
    private readonly AliasGuardOptions _options;
    private readonly List<AliasMove> _moves = [];
    private readonly Lock _gate = new();
    private bool _completed;
    private Task<IReadOnlyList<AliasRestoreOutcome>>? _restore;

    /// <param name="registry">The registry the aliases live in.</param>
    /// <param name="options">Restore timeout, reason and logging.</param>
    public AliasGuard(ModelRegistry registry, AliasGuardOptions? options = null)
    {
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _options = options ?? new AliasGuardOptions();
        _logger = _options.LoggerFactory.CreateLogger<AliasGuard>();
    }

    /// <summary>The moves made through (or reported to) this guard, in order.</summary>
    public IReadOnlyList<AliasMove> Moves
    {
        get
        {
            lock (_gate)
            {
                return [.. _moves];
            }
        }
    }

    /// <summary>True once <see cref="Complete"/> was called.</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _completed;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="pipeline"/> under a guard: on success the guard completes; on failure it restores, then
    /// rethrows the pipeline's exception unchanged.
    /// </summary>
    public static async Task<T> RunAsync<T>(ModelRegistry registry, Func<AliasGuard, Task<T>> pipeline, AliasGuardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var guard = new AliasGuard(registry, options);
        T result;
        try
        {
            result = await pipeline(guard).ConfigureAwait(false);
        }
        catch
        {
            await guard.RestoreAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        guard.Complete();
        return result;
    }

    /// <summary><see cref="ModelRegistry.SetAliasAsync"/>, remembered for restore.</summary>
    public async Task<AliasMove> SetAliasAsync(string alias, string runId, long expectedGeneration, string reason, CancellationToken cancellationToken = default)
    {
        ThrowIfFinished();
        var move = await _registry.SetAliasAsync(alias, runId, expectedGeneration, reason, cancellationToken).ConfigureAwait(false);
        Track(move);
        return move;
    }

    /// <summary><see cref="ModelRegistry.ClearAliasAsync"/>, remembered for restore.</summary>
    public async Task<AliasMove> ClearAliasAsync(string alias, long expectedGeneration, string reason, CancellationToken cancellationToken = default)
    {
        ThrowIfFinished();
        var move = await _registry.ClearAliasAsync(alias, expectedGeneration, reason, cancellationToken).ConfigureAwait(false);
        Track(move);
        return move;
    }

    /// <summary><see cref="ModelRegistry.PromoteIfBetterAsync"/>; a promotion is remembered for restore.</summary>
    public async Task<PromotionDecision> PromoteIfBetterAsync(string alias, string challengerRunId, PromotionPolicy policy, string? reason = null, CancellationToken cancellationToken = default)
    {
        ThrowIfFinished();
        var decision = await _registry.PromoteIfBetterAsync(alias, challengerRunId, policy, reason, cancellationToken).ConfigureAwait(false);
        if (decision.Move is { } move)
        {
            Track(move);
        }

        return decision;
    }

    /// <summary>Remembers a move made directly on the registry, so it is restored too.</summary>
    public void Track(AliasMove move)
    {
        ArgumentNullException.ThrowIfNull(move);
        lock (_gate)
        {
            ThrowIfFinishedLocked();
            _moves.Add(move);
        }
    }

    /// <summary>The pipeline succeeded: keep every move; disposing does nothing.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_restore is not null)
            {
                throw new InvalidOperationException("The guard already restored its aliases; it cannot complete.");
            }

            _completed = true;
        }
    }

    /// <summary>
    /// Restores every alias moved within the guard to where it pointed before the guard's first move of it, most recent
    /// first. Never throws: each failure is logged with its exception and reported in the outcome. Runs once; later
    /// calls return the same outcomes.
    /// </summary>
    public Task<IReadOnlyList<AliasRestoreOutcome>> RestoreAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_completed)
            {
                throw new InvalidOperationException("The guard was completed; its moves are kept.");
            }

            return _restore ??= RestoreCoreAsync([.. _moves], cancellationToken);
        }
    }

    /// <summary>Restores (see <see cref="RestoreAsync"/>) unless <see cref="Complete"/> was called. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        Task<IReadOnlyList<AliasRestoreOutcome>> restore;
        CancellationTokenSource? timeout = null;
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            if (_restore is null)
            {
                timeout = new CancellationTokenSource(_options.RestoreTimeout);
                _restore = RestoreCoreAsync([.. _moves], timeout.Token);
            }

            restore = _restore;
        }

        using (timeout)
        {
            await restore.ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<AliasRestoreOutcome>> RestoreCoreAsync(List<AliasMove> moves, CancellationToken cancellationToken)
    {
        if (moves.Count == 0)
        {
            return [];
        }

        using var activity = RegistryTelemetry.Source.StartActivity("registry.restore_aliases");
        var outcomes = new List<AliasRestoreOutcome>();

        // Most recently first-moved alias first, like unwinding a stack.
        foreach (var alias in moves.Select(m => m.Alias).Distinct(StringComparer.Ordinal).Reverse())
        {
            var ofAlias = moves.Where(m => m.Alias == alias).ToList();
            outcomes.Add(await RestoreOneAsync(alias, ofAlias[0], ofAlias[^1], ofAlias.Count, cancellationToken).ConfigureAwait(false));
        }

        return outcomes;
    }

    private async Task<AliasRestoreOutcome> RestoreOneAsync(string alias, AliasMove first, AliasMove last, int moveCount, CancellationToken cancellationToken)
    {
        var original = first.FromRunId;
        if (last.ToRunId == original)
        {
            return new AliasRestoreOutcome(alias, AliasRestoreStatus.AlreadyOriginal, original, null, null);
        }

        RegistryLog.RestoringAlias(_logger, alias, original, moveCount);
        try
        {
            // Compare-and-swap against our own last write: a later move by someone else is never clobbered.
            var move = original is null
                ? await _registry.ClearAliasAsync(alias, last.Generation, _options.RestoreReason, cancellationToken).ConfigureAwait(false)
                : await _registry.SetAliasAsync(alias, original, last.Generation, _options.RestoreReason, cancellationToken).ConfigureAwait(false);
            RegistryLog.AliasRestored(_logger, alias, original, move.Generation);
            return new AliasRestoreOutcome(alias, AliasRestoreStatus.Restored, original, move, null);
        }
        catch (AliasConflictException conflict)
        {
            RegistryLog.RestoreSkippedMovedByOthers(_logger, alias, last.Generation, conflict.ActualGeneration, conflict.ActualRunId);
            return new AliasRestoreOutcome(alias, AliasRestoreStatus.SkippedMovedByOthers, original, null, conflict);
        }
#pragma warning disable CA1031 // Best-effort by contract: any failure is logged and reported, never thrown over the pipeline's own.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RegistryLog.RestoreFailed(_logger, ex, alias, original);
            return new AliasRestoreOutcome(alias, AliasRestoreStatus.Failed, original, null, ex);
        }
    }

    private void ThrowIfFinished()
    {
        lock (_gate)
        {
            ThrowIfFinishedLocked();
        }
    }

    private void ThrowIfFinishedLocked()
    {
        if (_completed || _restore is not null)
        {
            throw new InvalidOperationException("The guard is finished (completed or restored); start a new one for further moves.");
        }
    }
}
