using Stagecraft.InFlight;

namespace Stagecraft.Testing.InFlight;

/// <summary>
/// An in-memory <see cref="IInFlightRegistryStore"/> with fault injection: <see cref="FailNextWrites"/> makes the next
/// updates throw <see cref="IOException"/> without changing the document (as a failed atomic write would).
/// </summary>
public sealed class InMemoryInFlightRegistryStore : IInFlightRegistryStore
{
    private readonly Lock _lock = new();
    private InFlightRegistryDocument _document = InFlightRegistryDocument.Empty;
    private int _failNext;

    /// <summary>How many successful writes happened.</summary>
    public int Writes { get; private set; }

    public InFlightRegistryDocument Current
    {
        get
        {
            lock (_lock)
            {
                return _document;
            }
        }
    }

    /// <summary>Makes the next <paramref name="count"/> updates fail.</summary>
    public void FailNextWrites(int count = 1)
    {
        lock (_lock)
        {
            _failNext = count;
        }
    }

    public Task<InFlightRegistryDocument> ReadAsync(CancellationToken cancellationToken = default) => Task.FromResult(Current);

    public Task<InFlightRegistryDocument> UpdateAsync(Func<InFlightRegistryDocument, InFlightRegistryDocument> update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_lock)
        {
            var next = update(_document);
            if (_failNext > 0)
            {
                _failNext--;
                throw new IOException("Injected registry write failure.");
            }

            // Copy the lists so later changes to the caller's collections cannot reach the "durable" document.
            _document = next with { Entries = [.. next.Entries.Select(e => e with { Processes = [.. e.Processes] })] };
            Writes++;
            return Task.FromResult(_document);
        }
    }
}
