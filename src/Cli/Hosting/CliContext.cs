using System.CommandLine;
using Stagecraft.Cli.Output;
using Stagecraft.Storage;

namespace Stagecraft.Cli.Hosting;

/// <summary>One command invocation: its parse result, console, cancellation and (opened on first use) storage.</summary>
internal sealed class CliContext : IDisposable
{
    private readonly CliEnvironment _environment;
    private readonly Option<string>? _storageOption;
    private IObjectStorage? _storage;
    private IDisposable? _owned;

    /// <param name="parse">The parsed command line.</param>
    /// <param name="environment">The process the tool runs in.</param>
    /// <param name="json">The command's <c>--json</c>.</param>
    /// <param name="storage">The command's <c>--storage</c>, or null when it works on no store.</param>
    /// <param name="cancellationToken">Cancelled on Ctrl-C.</param>
    public CliContext(ParseResult parse, CliEnvironment environment, Option<bool> json, Option<string>? storage, CancellationToken cancellationToken)
    {
        Parse = parse;
        _environment = environment;
        _storageOption = storage;
        CancellationToken = cancellationToken;
        var style = parse.GetValue(json) ? OutputStyle.Json : environment.Style;
        Console = new CliConsole(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, style, environment.OpenRawOutput);
    }

    public ParseResult Parse { get; }

    public CliConsole Console { get; }

    public CancellationToken CancellationToken { get; }

    public CliEnvironment Environment => _environment;

    /// <summary>Where storage is: <c>--storage</c>, else <c>STAGECRAFT_STORAGE</c>.</summary>
    /// <exception cref="CliException">Usage: neither is given, or the text is not a storage location.</exception>
    public StorageLocation StorageLocation
    {
        get
        {
            var option = _storageOption ?? throw new InvalidOperationException($"The command '{Parse.CommandResult.Command.Name}' is registered without {CliGlobalOptions.StorageName}; register it with {nameof(CliCommonOptions)}.{nameof(CliCommonOptions.Storage)}.");
            var text = Parse.GetValue(option);
            if (string.IsNullOrEmpty(text))
            {
                text = _environment.GetEnvironmentVariable(Hosting.StorageLocation.EnvironmentVariable);
            }

            return string.IsNullOrEmpty(text)
                ? throw CliException.Usage($"no storage: pass {CliGlobalOptions.StorageName} (gs://bucket[/prefix], file:///path or a directory) or set {Hosting.StorageLocation.EnvironmentVariable}")
                : Hosting.StorageLocation.Parse(text);
        }
    }

    /// <summary>The command's object storage, opened once.</summary>
    public IObjectStorage Storage
    {
        get
        {
            if (_storage is null)
            {
                (_storage, _owned) = StorageLocation.Open();
            }

            return _storage;
        }
    }

    public T Value<T>(Option<T> option) => Parse.GetValue(option)!;

    public T Value<T>(Argument<T> argument) => Parse.GetValue(argument)!;

    public void Dispose() => _owned?.Dispose();
}
