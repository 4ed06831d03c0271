namespace Stagecraft.Gcp.Emulation.Faults;

/// <summary>
/// The scripted faults of one fake server. Every rule sees every request; when several want to hit the same
/// request, the first added wins. Every hit is recorded so tests can assert that faults really happened.
/// </summary>
public sealed class FaultPlan<TRequest>
{
    private readonly object _gate = new();
    private readonly List<FaultRule<TRequest>> _rules = [];
    private readonly List<InjectedFault<TRequest>> _injected = [];

    /// <summary>Adds a rule; returns it so the test can look at its hit count.</summary>
    public FaultRule<TRequest> Add(FaultRule<TRequest> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_gate)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    /// <summary>Removes every rule (the record of injected faults stays).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>Every fault injected so far, in order.</summary>
    public IReadOnlyList<InjectedFault<TRequest>> Injected
    {
        get
        {
            lock (_gate)
            {
                return [.. _injected];
            }
        }
    }

    /// <summary>Decides whether <paramref name="request"/> is hit, and by which rule.</summary>
    public FaultRule<TRequest>? Next(TRequest request)
    {
        lock (_gate)
        {
            // Every rule counts every request; when several want the same one, the first added wins and the
            // others lose that turn (a request can only fail one way).
            FaultRule<TRequest>? winner = null;
            foreach (var rule in _rules)
            {
                if (rule.Wants(request))
                {
                    winner ??= rule;
                }
            }

            if (winner is not null)
            {
                winner.RecordHit();
                _injected.Add(new InjectedFault<TRequest>(request, winner));
            }

            return winner;
        }
    }
}

/// <summary>A fault that was injected: the request it hit and the rule that fired.</summary>
public sealed record InjectedFault<TRequest>(TRequest Request, FaultRule<TRequest> Rule);
