namespace Stagecraft.Storage.Json;

/// <summary>A stored object that should hold a JSON document of a known shape does not.</summary>
public sealed class StoredDocumentException : StorageException
{
    public StoredDocumentException()
    {
    }

    public StoredDocumentException(string message)
        : base(message)
    {
    }

    public StoredDocumentException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="key">The object's key.</param>
    /// <param name="documentType">The document type that was expected.</param>
    /// <param name="problem">What is wrong, as a clause ("it is not valid JSON").</param>
    /// <param name="innerException">The parser's error, if any.</param>
    public StoredDocumentException(string key, Type documentType, string problem, Exception? innerException)
        : base($"The object '{key}' is not a readable {documentType?.Name} document: {problem}.", innerException)
    {
        Key = key;
        DocumentType = documentType;
    }

    /// <summary>The object's key.</summary>
    public string? Key { get; }

    /// <summary>The document type that was expected.</summary>
    public Type? DocumentType { get; }
}
