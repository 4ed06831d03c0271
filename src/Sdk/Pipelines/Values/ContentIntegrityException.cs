namespace Stagecraft.Pipelines;

/// <summary>
/// Bytes did not match the SHA-256 they were stored or referenced under: a local file changed while it was being
/// stored, or a content object in storage differs from its key. Nothing is stored or trusted from such a read.
/// </summary>
public sealed class ContentIntegrityException : Exception
{
    public ContentIntegrityException()
    {
    }

    public ContentIntegrityException(string message)
        : base(message)
    {
    }

    public ContentIntegrityException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
