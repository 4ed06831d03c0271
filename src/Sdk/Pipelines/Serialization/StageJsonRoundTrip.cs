using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Stagecraft.Pipelines;

/// <summary>
/// Serialises a stage output or pipeline input and proves the document is the whole value before anything stores or
/// fingerprints it: it is read back and serialised again, and both documents must be byte-identical. A type whose
/// state the serializer does not see would otherwise be stored as <c>{}</c>, and every later run would get the same
/// fingerprint, and the same stale cached results, whatever the value really was.
/// </summary>
internal sealed class StageJsonRoundTrip(JsonSerializerOptions options)
{
    /// <summary>
    /// The checked JSON of <paramref name="value"/> as <paramref name="declaredType"/>; <paramref name="subject"/> says
    /// what the value is, for the error ("the output of stage 'Train'").
    /// </summary>
    /// <exception cref="PipelineValueRoundTripException">The value does not survive the round trip.</exception>
    public byte[] Serialize(object? value, Type declaredType, string subject)
    {
        byte[] first;
        try
        {
            first = JsonSerializer.SerializeToUtf8Bytes(value, declaredType, options);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new PipelineValueRoundTripException(subject, declaredType, "$", $"it cannot be serialised ({ex.Message})", ex);
        }

        if (value is null)
        {
            return first;
        }

        CheckHasState(value, declaredType, subject);
        CheckRuntimeTypeKept(value, declaredType, first, subject);

        object? back;
        try
        {
            back = JsonSerializer.Deserialize(first, declaredType, options);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new PipelineValueRoundTripException(subject, declaredType, ex is JsonException { Path: { } path } ? path : "$", $"its JSON cannot be read back ({ex.Message})", ex);
        }

        var second = JsonSerializer.SerializeToUtf8Bytes(back, declaredType, options);
        if (!first.AsSpan().SequenceEqual(second))
        {
            var path = JsonDocumentDiff.FirstDifference(first, second) ?? "$";
            throw new PipelineValueRoundTripException(subject, declaredType, path, "this member reads back with a different value (a get-only property without a matching constructor parameter, or a converter that loses data)", null);
        }

        return first;
    }

    /// <summary>An object the serializer writes no member of, although the type holds state, would be stored as <c>{}</c>.</summary>
    private void CheckHasState(object value, Type declaredType, string subject)
    {
        var info = options.GetTypeInfo(declaredType);
        if (info.Kind != JsonTypeInfoKind.Object || info.Properties.Count > 0)
        {
            return;
        }

        var field = value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).FirstOrDefault();
        if (field is not null)
        {
            throw new PipelineValueRoundTripException(subject, declaredType, "$", $"the serializer writes none of its members, so its state (e.g. field '{field.Name}') would be stored as {{}}", null);
        }
    }

    /// <summary>A value of a derived type serialised as its declared base type silently loses the derived members.</summary>
    private void CheckRuntimeTypeKept(object value, Type declaredType, byte[] asDeclared, string subject)
    {
        var runtimeType = value.GetType();
        if (runtimeType == declaredType || Nullable.GetUnderlyingType(declaredType) == runtimeType || options.GetTypeInfo(declaredType).PolymorphismOptions is not null)
        {
            return;
        }

        var asRuntime = JsonSerializer.SerializeToUtf8Bytes(value, runtimeType, options);
        if (!asDeclared.AsSpan().SequenceEqual(asRuntime))
        {
            var path = JsonDocumentDiff.FirstDifference(asRuntime, asDeclared) ?? "$";
            throw new PipelineValueRoundTripException(subject, declaredType, path, $"the value is a {runtimeType.FullName}, and this member of it is lost when it is stored as the declared type (declare the derived type, or mark the base type [JsonDerivedType])", null);
        }
    }
}
