using Microsoft.Extensions.Logging;

namespace Stagecraft.Sdk.Tests.Registry;

/// <summary>
/// An <see cref="ILogger{T}"/> that keeps every entry, with its exception, for assertions; also the factory that hands
/// itself out, so it can be set as an options record's <c>LoggerFactory</c>.
/// </summary>
internal sealed class RecordingLogger<T> : ILogger<T>, ILoggerFactory
{
    private readonly List<LogEntry> _entries = [];

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("A recording logger has no providers.");

    public void Dispose()
    {
        // Nothing is held: entries stay readable after the code under test disposes its factory.
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add(new LogEntry(logLevel, eventId, formatter(state, exception), exception));
        }
    }
}

internal sealed record LogEntry(LogLevel Level, EventId EventId, string Message, Exception? Exception);
