namespace Stagecraft.Storage;

/// <summary>One entry of a listing: an object, or (with a delimiter) a folded common prefix.</summary>
public sealed record ObjectListEntry
{
    private ObjectListEntry(ObjectInfo? obj, string? prefix)
    {
        Object = obj;
        Prefix = prefix;
    }

    /// <summary>The object, when this entry is an object.</summary>
    public ObjectInfo? Object { get; }

    /// <summary>The common prefix (ending with the delimiter), when this entry is a folded prefix.</summary>
    public string? Prefix { get; }

    /// <summary>True when this entry is a folded prefix rather than an object.</summary>
    public bool IsPrefix => Prefix is not null;

    public static ObjectListEntry ForObject(ObjectInfo info) => new(info ?? throw new ArgumentNullException(nameof(info)), null);

    public static ObjectListEntry ForPrefix(string prefix) => new(null, prefix ?? throw new ArgumentNullException(nameof(prefix)));
}
