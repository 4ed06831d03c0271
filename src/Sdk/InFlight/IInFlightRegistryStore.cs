namespace Stagecraft.InFlight;

/// <summary>Durable storage of the <see cref="InFlightRegistryDocument"/>, safe for several processes at once.</summary>
public interface IInFlightRegistryStore
{
    /// <summary>Reads the current document (empty when none was ever written).</summary>
    Task<InFlightRegistryDocument> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Read-modify-write under an exclusive lock: <paramref name="update"/> receives the current document and returns the
    /// new one, which replaces it atomically (a crash leaves the old or the new document, never a mix). If this throws,
    /// the stored document is unchanged.
    /// </summary>
    Task<InFlightRegistryDocument> UpdateAsync(Func<InFlightRegistryDocument, InFlightRegistryDocument> update, CancellationToken cancellationToken = default);
}
