using System.Globalization;

namespace Stagecraft.Local.Runs;

/// <summary>
/// The supervisor every local run is wrapped in: a few lines of POSIX <c>sh</c> that outlive the SDK process.
/// </summary>
/// <remarks>
/// <para>
/// Why a supervisor: the exit code must be recorded even if the SDK process that launched the run dies, so something
/// other than the SDK must wait for the command. The supervisor is started in its own session (<c>setsid</c>), so a
/// Ctrl+C or a kill of the SDK's process group does not reach it; it starts the command in a second, separate session
/// (<c>setsid</c> again), so <see cref="LocalRunBackend.TerminateAsync"/> can signal the command's whole group without
/// hitting the supervisor, which then records the exit code of the killed command. It writes
/// <c>{code} {reason}</c> (see <see cref="Stagecraft.Runs.RunExitRecord"/>) to its run directory with write-temp-then-rename,
/// like a VM's startup script writes to its disk; whichever backend instance looks next (the launcher's monitor, or one in a
/// new process) publishes it to object storage exactly once.
/// </para>
/// <para>
/// Timeouts are enforced by coreutils <c>timeout</c> inside the command's session (TERM, the grace period, then KILL to
/// its process group), so they hold even when no SDK process is alive.
/// </para>
/// <para>
/// Nothing from the run spec is ever spliced into the script text: the command and its arguments arrive as positional
/// parameters (<c>"$@"</c>), so no quoting bug can turn an argument into shell code (a seed's startup script did that with
/// environment keys). The script never runs <c>kill</c>: signals are sent only by <c>ProcessSignals</c>.
/// </para>
/// </remarks>
internal static class RunSupervisorScript
{
    /// <summary>The <c>$0</c> of every supervisor, so it can be recognised in <c>/proc/{pid}/cmdline</c>.</summary>
    public const string ProcessName = "stagecraft-run-supervisor";

    /// <summary>$1 run dir, $2 timeout ("none" or seconds), $3 whole timeout seconds, $4 grace seconds, $5 setsid, $6 timeout binary, then the command.</summary>
    public const string Text = """
        dir=$1 timeout_arg=$2 timeout_whole=$3 grace=$4 setsid_bin=$5 timeout_bin=$6
        shift 6
        exec </dev/null >>"$dir/supervisor.log" 2>&1
        printf '%s\n' "$$" >"$dir/supervisor.pid.tmp" && mv -f "$dir/supervisor.pid.tmp" "$dir/supervisor.pid"
        finish() {
          printf '%s %s\n' "$1" "$2" >"$dir/exit_code.tmp" && mv -f "$dir/exit_code.tmp" "$dir/exit_code"
          exit 0
        }
        if [ -e "$dir/terminate_requested" ]; then finish 143 terminated; fi
        start=$(date +%s)
        if [ "$timeout_arg" != none ]; then
          "$setsid_bin" "$timeout_bin" --signal=TERM --kill-after="${grace}s" "${timeout_arg}s" "$@" >"$dir/stdout.log" 2>"$dir/stderr.log" &
        else
          "$setsid_bin" "$@" >"$dir/stdout.log" 2>"$dir/stderr.log" &
        fi
        child=$!
        printf '%s\n' "$child" >"$dir/command.pid.tmp" && mv -f "$dir/command.pid.tmp" "$dir/command.pid"
        wait "$child"
        code=$?
        reason=exited
        if [ -e "$dir/terminate_requested" ]; then
          reason=terminated
        elif [ "$timeout_arg" != none ] && [ $(( $(date +%s) - start )) -ge "$timeout_whole" ] && { [ "$code" -eq 124 ] || [ "$code" -eq 137 ]; }; then
          reason=timeout
        fi
        finish "$code" "$reason"
        """;

    /// <summary>The argument list after <c>setsid /bin/sh -c</c>: script, <c>$0</c>, then the positional parameters.</summary>
    public static List<string> Arguments(string runDirectory, TimeSpan? timeout, TimeSpan grace, string setsidPath, string timeoutPath, string command, IEnumerable<string> arguments)
    {
        var graceSeconds = Math.Max(1, (int)Math.Ceiling(grace.TotalSeconds));
        var list = new List<string>
        {
            "-c",
            Text,
            ProcessName,
            runDirectory,
            // Never "0": coreutils reads a zero duration as "no timeout" (the falsy-zero bug again).
            timeout is { } t ? Math.Max(t.TotalSeconds, 0.001).ToString("0.###", CultureInfo.InvariantCulture) : "none",
            timeout is { } w ? ((long)Math.Floor(w.TotalSeconds)).ToString(CultureInfo.InvariantCulture) : "0",
            graceSeconds.ToString(CultureInfo.InvariantCulture),
            setsidPath,
            timeoutPath,
            command,
        };
        list.AddRange(arguments);
        return list;
    }
}
