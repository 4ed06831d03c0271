using System.Reflection;

namespace Stagecraft.Pipelines;

/// <summary>
/// How a run backend starts this experiment's own executable to run one stage: the command, its arguments and
/// working directory. The runner appends <see cref="WorkerArgument"/>; the program hands its arguments to
/// <see cref="PipelineRunner.RunWorkerIfRequestedAsync"/>, which runs the stage and exits.
/// </summary>
public sealed class PipelineWorkerCommand
{
    /// <summary>The argument that puts the experiment's executable into worker mode.</summary>
    public const string WorkerArgument = "--stagecraft-pipeline-worker";

    /// <param name="command">The program (a path, or a name found on PATH).</param>
    /// <param name="arguments">Arguments before <see cref="WorkerArgument"/>.</param>
    /// <param name="workingDirectory">The absolute directory to start in (relative storage roots resolve against it); null lets the backend choose.</param>
    /// <param name="environment">Variables the worker needs to open the same storage as the coordinator (names as <see cref="Runs.RunSpec.Environment"/> requires).</param>
    public PipelineWorkerCommand(string command, IEnumerable<string>? arguments = null, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        if (workingDirectory is not null && !Path.IsPathFullyQualified(workingDirectory))
        {
            throw new ArgumentException($"Worker working directory '{workingDirectory}' must be an absolute path.", nameof(workingDirectory));
        }

        foreach (var name in environment?.Keys ?? [])
        {
            if (!Runs.EnvironmentVariableName.IsValid(name))
            {
                throw new ArgumentException($"Worker environment variable name '{name}' is invalid: it must match {Runs.EnvironmentVariableName.Pattern}.", nameof(environment));
            }
        }

        Command = command;
        Arguments = [.. arguments ?? []];
        WorkingDirectory = workingDirectory;
        Environment = new Dictionary<string, string>(environment ?? new Dictionary<string, string>(), StringComparer.Ordinal);
    }

    public string Command { get; }

    public IReadOnlyList<string> Arguments { get; }

    public string? WorkingDirectory { get; }

    /// <summary>Variables set for the worker, besides those the runner and the backend set for every stage.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>
    /// The current program, started again in the current directory: its apphost, or <c>dotnet</c> with the entry
    /// assembly when it was started as <c>dotnet app.dll</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The process path or entry assembly cannot be determined.</exception>
    public static PipelineWorkerCommand CurrentProcess()
    {
        var processPath = System.Environment.ProcessPath ?? throw new InvalidOperationException("The current process path is unknown; set PipelineRunnerOptions.WorkerCommand explicitly.");
        var host = Path.GetFileNameWithoutExtension(processPath);
        if (string.Equals(host, "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            var entry = Assembly.GetEntryAssembly()?.Location;
            if (string.IsNullOrEmpty(entry))
            {
                throw new InvalidOperationException("The entry assembly's location is unknown (single-file app?); set PipelineRunnerOptions.WorkerCommand explicitly.");
            }

            return new PipelineWorkerCommand(processPath, [entry], System.Environment.CurrentDirectory);
        }

        return new PipelineWorkerCommand(processPath, [], System.Environment.CurrentDirectory);
    }

    public override string ToString() => $"{Command} {string.Join(' ', Arguments)} {WorkerArgument}".Trim();
}
