using Stagecraft.Cli.Output;

namespace Stagecraft.Cli.Hosting;

/// <summary>What the CLI needs from the process it runs in; tests and <c>Program</c> build it.</summary>
public sealed record CliEnvironment
{
    /// <summary>The style when <c>--json</c> is not given (<see cref="OutputStyle.Human"/> on a terminal, <see cref="OutputStyle.Plain"/> when redirected).</summary>
    public OutputStyle Style { get; init; } = OutputStyle.Plain;

    /// <summary>Opens the raw standard output (object content is written byte for byte).</summary>
    public Func<Stream> OpenRawOutput { get; init; } = () => Stream.Null;

    /// <summary>Reads an environment variable (<c>STAGECRAFT_STORAGE</c>, ...).</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>How often <c>runs logs -f</c> looks for new output.</summary>
    public TimeSpan FollowInterval { get; init; } = TimeSpan.FromMilliseconds(500);
}
