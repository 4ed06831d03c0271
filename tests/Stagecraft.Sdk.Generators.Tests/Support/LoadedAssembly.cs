using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;

namespace Stagecraft.Sdk.Generators.Tests.Support;

/// <summary>
/// A compilation emitted to memory and loaded into a collectible context. Stagecraft.Sdk resolves to the test's own
/// copy, so <c>Graph</c> returns a <see cref="Stagecraft.Pipelines.PipelineGraph"/> the test can use directly.
/// </summary>
internal sealed class LoadedAssembly : IDisposable
{
    private readonly AssemblyLoadContext _context;

    private LoadedAssembly(AssemblyLoadContext context, Assembly assembly)
    {
        _context = context;
        Assembly = assembly;
    }

    public Assembly Assembly { get; }

    public static LoadedAssembly Emit(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        Assert.True(result.Success, "Emit failed:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        stream.Position = 0;
        var context = new AssemblyLoadContext("generated-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        return new LoadedAssembly(context, context.LoadFromStream(stream));
    }

    public T GetStaticProperty<T>(string typeName, string property)
    {
        var type = Assembly.GetType(typeName, throwOnError: true)!;
        return (T)type.GetProperty(property, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
    }

    public object? InvokeStatic(string typeName, string method, params object?[] arguments)
    {
        var type = Assembly.GetType(typeName, throwOnError: true)!;
        return type.GetMethod(method, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, arguments);
    }

    public object CreateInstance(string typeName, params object?[] arguments) =>
        Activator.CreateInstance(Assembly.GetType(typeName, throwOnError: true)!, arguments)!;

    public void Dispose() => _context.Unload();
}
