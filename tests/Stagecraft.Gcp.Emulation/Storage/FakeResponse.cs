namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>
/// A response computed in full before anything is written, so that faults can be applied uniformly
/// (lose it, cut it, corrupt it) after the request has taken effect.
/// </summary>
internal sealed class FakeResponse(int status, byte[] body, string? contentType)
{
    public int Status { get; } = status;

    public byte[] Body { get; } = body;

    public string? ContentType { get; } = contentType;

    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Send the body chunked, without Content-Length (as Cloud Storage does for a transcoded object).</summary>
    public bool Chunked { get; init; }

    public static FakeResponse Json(int status, byte[] body) => new(status, body, "application/json; charset=UTF-8");

    public static FakeResponse Empty(int status) => new(status, [], null);

    public FakeResponse WithHeader(string name, string value)
    {
        Headers[name] = value;
        return this;
    }
}
