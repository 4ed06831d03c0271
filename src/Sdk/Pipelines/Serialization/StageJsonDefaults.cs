using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Stagecraft.Pipelines;

/// <summary>The serializer settings stage outputs and pipeline inputs get unless the runner's options supply others.</summary>
internal static class StageJsonDefaults
{
    /// <summary>
    /// Covers what ML code returns: public fields and tuples (<see cref="JsonSerializerOptions.IncludeFields"/>),
    /// NaN and ±Infinity (a diverged loss is a result, not a crash), enums by name, and what System.Text.Json already
    /// handles (records, arrays, lists, dictionaries with string keys). Read-only, so it can be shared.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            IncludeFields = true,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly();
        return options;
    }
}
