namespace Stagecraft.Registry.Documents;

/// <summary>
/// Storage form of an alias pointer (<c>current.json</c>) and of a history entry. The pointer carries the full record of
/// the move that wrote it, so anyone who reads it can (re)write that move's history entry: a mover that dies between
/// its compare-and-swap and its history write leaves nothing the next reader cannot repair.
/// </summary>
internal sealed class AliasMoveDocument
{
    public int Schema { get; set; } = 1;

    public string Alias { get; set; } = "";

    public long Sequence { get; set; }

    /// <summary>Where the alias points after this move; null = cleared.</summary>
    public string? RunId { get; set; }

    public string? FromRunId { get; set; }

    public long FromGeneration { get; set; }

    /// <summary>The pointer generation this move wrote: absent in the pointer itself (unknown before the write), present in history entries.</summary>
    public long? Generation { get; set; }

    public DateTimeOffset MovedAt { get; set; }

    public string MovedBy { get; set; } = "";

    public string Reason { get; set; } = "";
}
