using Microsoft.CodeAnalysis;
using Stagecraft.Generators.Common;

namespace Stagecraft.Generators.Diagnostics;

/// <summary>A diagnostic to report, as plain values (see <see cref="LocationInfo"/> for why not a <see cref="Diagnostic"/>).</summary>
/// <param name="Descriptor">A <see cref="PipelineDiagnostics"/> descriptor (value-equatable, and it holds no syntax or symbols).</param>
/// <param name="Location">The primary location; null when the source is not available (metadata).</param>
/// <param name="AdditionalLocations">Further locations (e.g. the other stages of a cycle).</param>
/// <param name="MessageArgs">Arguments for the descriptor's message format, already rendered as text.</param>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<LocationInfo> AdditionalLocations, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArgs) =>
        new(descriptor, location, EquatableArray<LocationInfo>.Empty, messageArgs.ToEquatableArray());

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, EquatableArray<LocationInfo> additionalLocations, params string[] messageArgs) =>
        new(descriptor, location, additionalLocations, messageArgs.ToEquatableArray());
}
