using Microsoft.Extensions.Logging;
using Stagecraft.Runs.Logs;

namespace Stagecraft.Pipelines;

/// <summary>
/// The logger factory of a worker's stages: every entry goes to the worker's own loggers and, as a log control line
/// (<see cref="RunLogControlLine.Log"/>) on its stdout, through the run's log chunks to the coordinator, which logs it at
/// the same level under the stage's category. So a stage's <see cref="StageContext.Logger"/> output is seen where the
/// pipeline was started, wherever the stage ran.
/// </summary>
internal sealed class WorkerLoggerFactory(ILoggerFactory inner, TextWriter output) : ILoggerFactory
{
    /// <summary>Entries below this level stay in the worker: forwarding trace output would flood the run's logs.</summary>
    public const LogLevel MinimumForwardedLevel = LogLevel.Debug;

    public ILogger CreateLogger(string categoryName) => new WorkerLogger(inner.CreateLogger(categoryName), output);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>The inner factory belongs to the runner that created this one.</summary>
    public void Dispose()
    {
    }

    private sealed class WorkerLogger(ILogger inner, TextWriter output) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel is >= MinimumForwardedLevel and < LogLevel.None || inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (inner.IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }

            if (logLevel is >= MinimumForwardedLevel and < LogLevel.None)
            {
                var message = formatter(state, exception);
                output.WriteLine(RunLogControlLine.Log(logLevel.ToString(), exception is null ? message : message + Environment.NewLine + exception));
                output.Flush();
            }
        }
    }
}
