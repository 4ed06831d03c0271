using System.Collections.ObjectModel;
using Stagecraft.Storage;

namespace Stagecraft.Runs;

/// <summary>
/// Everything a backend needs to start one run. Every field is validated as it is set, so an invalid spec cannot exist:
/// a bad value throws <see cref="InvalidRunSpecException"/> naming the field, the value and the rule.
/// </summary>
/// <example>
/// <code>
/// var spec = new RunSpec("train-42", "/usr/bin/python3", ["train.py", "--epochs", "3"])
/// {
///     Environment = new Dictionary&lt;string, string&gt; { ["SEED"] = "7" },
///     ResourceProfile = "h100-spot",
///     Timeout = TimeSpan.FromHours(2),
///     Labels = new Dictionary&lt;string, string&gt; { ["team"] = "vision" },
/// };
/// </code>
/// </example>
public sealed class RunSpec
{
    /// <summary>The longest <see cref="Timeout"/> accepted.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);

    /// <summary>The largest <see cref="Snapshot"/> accepted, in bytes.</summary>
    public const int MaxSnapshotBytes = 64 * 1024 * 1024;

    private static readonly IReadOnlyDictionary<string, string> Empty = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>());

    private readonly IReadOnlyDictionary<string, string> _environment = Empty;
    private readonly IReadOnlyDictionary<string, string> _labels = Empty;
    private readonly string? _image;
    private readonly string? _workingDirectory;
    private readonly string? _inputPrefix;
    private readonly string? _outputPrefix;
    private readonly string? _resourceProfile;
    private readonly TimeSpan? _timeout;
    private readonly byte[]? _snapshot;

    /// <param name="runId">A lower-case DNS label of at most 63 characters (see <see cref="Runs.RunId"/>); never reused.</param>
    /// <param name="command">The program to execute (a path or a name looked up on PATH; inside <see cref="Image"/> when one is set).</param>
    /// <param name="arguments">Its arguments, passed as-is (no shell word splitting).</param>
    public RunSpec(string runId, string command, IEnumerable<string>? arguments = null)
    {
        if (Runs.RunId.Explain(runId) is { } rule)
        {
            throw Invalid(nameof(RunId), runId, "is not a valid run id: " + rule);
        }

        if (string.IsNullOrEmpty(command))
        {
            throw Invalid(nameof(Command), command, "must not be empty");
        }

        if (command.Any(char.IsControl))
        {
            throw Invalid(nameof(Command), command, "must not contain control characters");
        }

        var args = arguments?.ToArray() ?? [];
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is null)
            {
                throw Invalid($"{nameof(Arguments)}[{i}]", null, "must not be null");
            }

            if (args[i].Contains('\0', StringComparison.Ordinal))
            {
                throw Invalid($"{nameof(Arguments)}[{i}]", args[i], "must not contain NUL characters");
            }
        }

        RunId = runId;
        Command = command;
        Arguments = Array.AsReadOnly(args);
    }

    /// <summary>The run's id: the key of everything stored for it (see <see cref="Paths"/>).</summary>
    public string RunId { get; }

    /// <summary>The program to execute.</summary>
    public string Command { get; }

    /// <summary>The program's arguments.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The storage keys of this run.</summary>
    public RunPaths Paths => new(RunId);

    /// <summary>
    /// A container image to run <see cref="Command"/> in, for backends whose <see cref="BackendCapabilities.SupportsContainerImages"/>
    /// is true. No whitespace or control characters, and it must not start with '-' (it is passed on a command line).
    /// </summary>
    public string? Image
    {
        get => _image;
        init
        {
            if (value is not null && (value.Length is 0 or > 512 || value[0] == '-' || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
            {
                throw Invalid(nameof(Image), value, "must be 1 to 512 characters, without whitespace or control characters, not starting with '-'");
            }

            _image = value;
        }
    }

    /// <summary>An absolute directory to run in; null lets the backend choose a fresh per-run directory.</summary>
    public string? WorkingDirectory
    {
        get => _workingDirectory;
        init
        {
            if (value is not null && (value.Length == 0 || value.Any(char.IsControl) || !Path.IsPathFullyQualified(value)))
            {
                throw Invalid(nameof(WorkingDirectory), value, "must be an absolute path without control characters");
            }

            _workingDirectory = value;
        }
    }

    /// <summary>Extra environment variables. Names match <see cref="EnvironmentVariableName.Pattern"/>; values contain no NUL.</summary>
    public IReadOnlyDictionary<string, string> Environment
    {
        get => _environment;
        init => _environment = CopyValidated(value, nameof(Environment), static (name, _) =>
            EnvironmentVariableName.IsValid(name) ? null : $"is not a valid environment variable name (must match {EnvironmentVariableName.Pattern})",
            static value => value.Contains('\0', StringComparison.Ordinal) ? "must not contain NUL characters" : null);
    }

    /// <summary>A storage prefix the run reads its inputs from (validated by <see cref="ObjectKey.ValidatePrefix"/>).</summary>
    public string? InputPrefix
    {
        get => _inputPrefix;
        init => _inputPrefix = ValidPrefix(value, nameof(InputPrefix));
    }

    /// <summary>A storage prefix the run writes its outputs to; null means <see cref="RunPaths.OutputsPrefix"/>.</summary>
    public string? OutputPrefix
    {
        get => _outputPrefix;
        init => _outputPrefix = ValidPrefix(value, nameof(OutputPrefix));
    }

    /// <summary><see cref="OutputPrefix"/>, or the run's own <see cref="RunPaths.OutputsPrefix"/> when none was given.</summary>
    public string EffectiveOutputPrefix => _outputPrefix ?? Paths.OutputsPrefix;

    /// <summary>
    /// The name of the machine shape to run on (e.g. <c>cpu-small</c>, <c>h100-spot</c>): a lower-case letter, then lower-case
    /// letters, digits and '-', at most 63 characters. Null lets the backend pick its default.
    /// </summary>
    public string? ResourceProfile
    {
        get => _resourceProfile;
        init
        {
            if (value is not null && (value.Length is 0 or > 63 || value[0] is not (>= 'a' and <= 'z') || value[^1] == '-'
                || value.Any(c => c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))))
            {
                throw Invalid(nameof(ResourceProfile), value, "must be 1 to 63 lower-case letters, digits and '-', starting with a letter and not ending with '-'");
            }

            _resourceProfile = value;
        }
    }

    /// <summary>
    /// How long the command may run before the backend stops it (the run then fails with <see cref="RunExitReason.TimedOut"/>).
    /// Null means no limit. Zero or negative is rejected rather than read as "no limit" (a seed treated 0 as unset).
    /// </summary>
    public TimeSpan? Timeout
    {
        get => _timeout;
        init
        {
            if (value is { } t && (t <= TimeSpan.Zero || t > MaxTimeout))
            {
                throw Invalid(nameof(Timeout), t.ToString("c", System.Globalization.CultureInfo.InvariantCulture), $"must be positive and at most {MaxTimeout.TotalDays:0} days (use null for no limit)");
            }

            _timeout = value;
        }
    }

    /// <summary>Labels attached to the run (and to its machine on cloud backends); validated by <see cref="RunLabels"/>.</summary>
    public IReadOnlyDictionary<string, string> Labels
    {
        get => _labels;
        init
        {
            if (value is not null && value.Count > RunLabels.MaxCount)
            {
                throw Invalid(nameof(Labels), $"{value.Count} labels", $"exceeds the limit of {RunLabels.MaxCount} labels");
            }

            _labels = CopyValidated(value, nameof(Labels), static (key, _) => RunLabels.CheckKey(key), RunLabels.CheckValue);
        }
    }

    /// <summary>
    /// Optional snapshot bytes for a shared-nothing worker. Copied when set and copied again on every read, so neither the
    /// caller's array nor a reader can change the spec afterwards.
    /// </summary>
    public ReadOnlyMemory<byte>? Snapshot
    {
        // The cast matters: without it the conditional's type is ReadOnlyMemory<byte> and null becomes an empty, non-null snapshot.
        get => _snapshot is null ? (ReadOnlyMemory<byte>?)null : new ReadOnlyMemory<byte>(_snapshot.ToArray());
        init
        {
            if (value is { Length: > MaxSnapshotBytes } v)
            {
                throw Invalid(nameof(Snapshot), $"{v.Length} bytes", $"exceeds the limit of {MaxSnapshotBytes} bytes");
            }

            // A null byte[] converts implicitly to an empty ReadOnlyMemory; no snapshot has zero bytes, so empty means none.
            _snapshot = value is { Length: > 0 } bytes ? bytes.ToArray() : null;
        }
    }

    /// <summary>True when a snapshot is attached (without copying it).</summary>
    public bool HasSnapshot => _snapshot is not null;

    public override string ToString() => $"RunSpec({RunId}: {Command} {string.Join(' ', Arguments)})";

    private static InvalidRunSpecException Invalid(string field, string? value, string rule) => new(field, value, rule);

    private static string? ValidPrefix(string? value, string field)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            ObjectKey.ValidatePrefix(value, field);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidRunSpecException(field, value, "is not a valid storage prefix (see ObjectKey)", ex);
        }

        return value;
    }

    private static ReadOnlyDictionary<string, string> CopyValidated(
        IReadOnlyDictionary<string, string>? source,
        string field,
        Func<string, string, string?> checkKey,
        Func<string, string?> checkValue)
    {
        var copy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in source ?? Empty)
        {
            if (key is null)
            {
                throw Invalid(field, null, "key must not be null");
            }

            if (checkKey(key, value) is { } keyRule)
            {
                throw Invalid(field, key, "key " + keyRule);
            }

            if (value is null)
            {
                throw Invalid($"{field}[{key}]", null, "must not be null");
            }

            if (checkValue(value) is { } valueRule)
            {
                throw Invalid($"{field}[{key}]", value, valueRule);
            }

            copy.Add(key, value);
        }

        return new ReadOnlyDictionary<string, string>(copy);
    }
}
