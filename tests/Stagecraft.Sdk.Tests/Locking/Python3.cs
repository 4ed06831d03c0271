using System.Diagnostics;

namespace Stagecraft.Sdk.Tests.Locking;

/// <summary>Runs small python3 scripts as real peer processes.</summary>
internal static class Python3
{
    public static string? Executable { get; } =
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "python3"))
            .FirstOrDefault(File.Exists);

    /// <summary>Starts <c>python3 -u -c script args...</c> with stdin/stdout redirected.</summary>
    public static Process Start(string script, params string[] args)
    {
        var psi = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("python3 is not on PATH."))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-u");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        return Process.Start(psi) ?? throw new InvalidOperationException("python3 did not start.");
    }

    /// <summary>Reads stdout lines until one equals <paramref name="expected"/>, failing with stderr after <paramref name="timeout"/>.</summary>
    public static async Task ExpectLineAsync(Process process, string expected, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                if (line == expected)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        var stderr = process.HasExited ? await process.StandardError.ReadToEndAsync() : "(still running)";
        throw new TimeoutException($"python3 did not print '{expected}' within {timeout}; stderr: {stderr}");
    }
}
