namespace Stagecraft.Gcp.Emulation.Faults;

/// <summary>What an injected fault does to the request it hits.</summary>
public enum FaultKind
{
    /// <summary>Answer with <see cref="FaultRule{TRequest}.StatusCode"/> and the API's error JSON, without processing the request.</summary>
    Status,

    /// <summary>Abort the connection before processing: the request has no effect and gets no response.</summary>
    ResetBeforeProcessing,

    /// <summary>Process the request (it takes effect), then abort the connection: the response is lost.</summary>
    ResetAfterProcessing,

    /// <summary>Send the first <see cref="FaultRule{TRequest}.Bytes"/> bytes of the response body, then abort.</summary>
    CutResponseBody,

    /// <summary>Read only the first <see cref="FaultRule{TRequest}.Bytes"/> bytes of the request body, keep what the API would persist of them, then abort.</summary>
    CutRequestBody,

    /// <summary>Flip one bit of the response body (headers, including checksums, stay truthful).</summary>
    CorruptResponseBody,
}
