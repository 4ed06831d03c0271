namespace Stagecraft.References;

/// <summary>
/// Orders work items for dispatch so that items needing the same reference key are adjacent: a worker that takes a
/// contiguous batch then builds each key once and reuses it, and two workers racing to build one key becomes rare.
/// </summary>
public static class ReferenceDispatch
{
    /// <summary>
    /// Sorts <paramref name="items"/> by (key, id), both ordinal, so the order is the same on every machine and run.
    /// </summary>
    /// <typeparam name="T">The work item type.</typeparam>
    /// <param name="items">The work items.</param>
    /// <param name="keySelector">The reference key an item needs.</param>
    /// <param name="idSelector">The item's unique id (ties within one key).</param>
    /// <returns>A new list in dispatch order.</returns>
    /// <exception cref="ArgumentException">Two items have the same (key, id): the order would depend on input order.</exception>
    public static IReadOnlyList<T> OrderByKeyThenId<T>(IEnumerable<T> items, Func<T, string> keySelector, Func<T, string> idSelector)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(keySelector);
        ArgumentNullException.ThrowIfNull(idSelector);

        var keyed = items.Select(item => (Key: keySelector(item) ?? throw new ArgumentException("A work item has a null key.", nameof(keySelector)),
                                          Id: idSelector(item) ?? throw new ArgumentException("A work item has a null id.", nameof(idSelector)),
                                          Item: item))
                         .ToList();
        keyed.Sort(static (a, b) =>
        {
            var byKey = string.CompareOrdinal(a.Key, b.Key);
            return byKey != 0 ? byKey : string.CompareOrdinal(a.Id, b.Id);
        });

        for (var i = 1; i < keyed.Count; i++)
        {
            if (keyed[i].Key == keyed[i - 1].Key && keyed[i].Id == keyed[i - 1].Id)
            {
                throw new ArgumentException($"Two work items have key '{keyed[i].Key}' and id '{keyed[i].Id}'; ids must be unique within a key.", nameof(items));
            }
        }

        return keyed.Select(k => k.Item).ToList();
    }
}
