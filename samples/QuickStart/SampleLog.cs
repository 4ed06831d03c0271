using Microsoft.Extensions.Logging;

namespace QuickStart;

internal static partial class SampleLog
{
    [LoggerMessage(1, LogLevel.Information, "Trained for {Epochs} epochs; final training loss {Loss:F4}")]
    public static partial void LogTrainingFinished(this ILogger logger, int epochs, double loss);
}
