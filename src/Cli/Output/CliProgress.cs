namespace Stagecraft.Cli.Output;

/// <summary>
/// Writes each progress report as one line to standard error at once (not posted to another thread as
/// <see cref="Progress{T}"/> does, so lines keep their order and none is lost when the command ends), keeping standard
/// output for the result and its JSON.
/// </summary>
internal sealed class CliProgress<T>(TextWriter error, Func<T, string> format) : IProgress<T>
{
    private readonly Lock _gate = new();

    public void Report(T value)
    {
        var line = format(value);
        lock (_gate)
        {
            error.WriteLine(line);
            error.Flush();
        }
    }
}
