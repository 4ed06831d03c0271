using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Stagecraft.Sdk.Tests.References;

/// <summary>
/// Records log events and lets a test await one (to synchronise on what the code under test is doing); also the factory
/// that hands itself out, so it can be set as an options record's <c>LoggerFactory</c>.
/// </summary>
internal sealed class RecordingLogger : ILogger, ILoggerFactory
{
    private readonly ConcurrentQueue<(int EventId, LogLevel Level, string Message)> _events = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _waiters = new();

    public IReadOnlyList<(int EventId, LogLevel Level, string Message)> Events => [.. _events];

    public Task WaitForEventAsync(int eventId) => _waiters.GetOrAdd(eventId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public bool Saw(int eventId) => _events.Any(e => e.EventId == eventId);

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("A recording logger has no providers.");

    public void Dispose()
    {
        // Nothing is held: events stay readable after the code under test disposes its factory.
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        _events.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
        _waiters.GetOrAdd(eventId.Id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
