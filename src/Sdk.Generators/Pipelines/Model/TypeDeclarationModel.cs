namespace Stagecraft.Generators.Pipelines.Model;

/// <summary>How to re-open a partial type: <c>[static ]partial {Keyword} {Name}</c>.</summary>
/// <param name="Keyword"><c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c> or <c>interface</c>.</param>
/// <param name="Name">The type name, keyword-escaped.</param>
/// <param name="IsStatic">Whether the type is a static class.</param>
internal sealed record TypeDeclarationModel(string Keyword, string Name, bool IsStatic);
