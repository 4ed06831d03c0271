using System.Collections.Generic;
using Stagecraft.Generators.Common;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Stagecraft.Generators.Diagnostics;

/// <summary>
/// Reports <see cref="DiagnosticInfo"/>s with real source locations. A location rebuilt from a file path alone
/// (<c>Location.Create(path, span, lineSpan)</c>) is an external-file location, which the compiler never checks
/// against <c>#pragma warning disable</c>; binding it back to the compilation's <see cref="SyntaxTree"/> makes the
/// diagnostics suppressible like any analyzer diagnostic (see dotnet/roslyn#68291).
/// </summary>
internal static class DiagnosticReporter
{
    public static void Report(SourceProductionContext context, Compilation compilation, EquatableArray<DiagnosticInfo> diagnostics)
    {
        Dictionary<string, SyntaxTree>? treesByPath = null;
        foreach (var info in diagnostics)
        {
            var location = ToLocation(info.Location, compilation, ref treesByPath);
            var additional = info.AdditionalLocations.Select(l => ToLocation(l, compilation, ref treesByPath));
            context.ReportDiagnostic(Diagnostic.Create(info.Descriptor, location, additional, info.MessageArgs.Select(static a => (object?)a).ToArray()));
        }
    }

    private static Location ToLocation(LocationInfo? info, Compilation compilation, ref Dictionary<string, SyntaxTree>? treesByPath)
    {
        if (info is null)
        {
            return Location.None;
        }

        treesByPath ??= BuildIndex(compilation);
        return treesByPath.TryGetValue(info.FilePath, out var tree) && info.Start + info.Length <= tree.Length
            ? Location.Create(tree, info.Span)
            : Location.Create(info.FilePath, info.Span, info.LineSpan);
    }

    private static Dictionary<string, SyntaxTree> BuildIndex(Compilation compilation)
    {
        var index = new Dictionary<string, SyntaxTree>(System.StringComparer.Ordinal);
        foreach (var tree in compilation.SyntaxTrees)
        {
            // Paths are unique in a real compilation; first wins if a test builds one with duplicates.
            if (!index.ContainsKey(tree.FilePath))
            {
                index.Add(tree.FilePath, tree);
            }
        }

        return index;
    }
}
