using System.Globalization;
using System.Text;
using Stagecraft.Runs;

namespace Stagecraft.Gcp.Compute;

/// <summary>
/// Generates the bash startup script that executes one run on a Compute Engine VM. The one generator of run scripts:
/// a fresh VM (cold start) and a reused one (warm pool) get their script from here, so mounts, flags, quoting and paths
/// cannot drift apart (a seed's cold and warm paths diverged in their docker mounts).
/// </summary>
/// <remarks>
/// <para>
/// The script is a fixed body preceded by a header of <c>sc_*=</c> assignments. Every value from the spec (arguments,
/// environment values, the image, object keys, the bucket) is <see cref="BashQuoting.Quote">single-quoted</see>, and
/// environment names are checked against <see cref="EnvironmentVariableName"/> before anything is generated, so no spec
/// can inject shell code. The body never interpolates spec data into command text.
/// </para>
/// <para>
/// On the VM it: fetches an access token from the metadata server (host overridable with <c>GCE_METADATA_HOST</c>, as
/// Google's own clients allow); downloads and verifies the <see cref="AppBundle"/> or pulls <see cref="RunSpec.Image"/>;
/// runs the command in its own process group; ships stdout and stderr as numbered chunk objects
/// (<see cref="RunPaths.LogChunk"/>) every <see cref="LogShipInterval"/>, the last of them after the command ended, and
/// finally writes the exit-code object
/// (<see cref="RunExitRecord"/> format). Every key comes from the <see cref="RunPaths"/> of <see cref="Spec"/>'s run id,
/// never from an earlier job (a seed's second job on a VM wrote to the first job's paths). Objects are written
/// create-only (<c>ifGenerationMatch=0</c>), so a retried upload whose first answer was lost cannot write twice.
/// </para>
/// <para>
/// SIGTERM (preemption, shutdown) is forwarded to the command's process group, followed by SIGKILL after
/// <see cref="TerminationGracePeriod"/>; the script never signals an empty or zero pid. It needs only bash, curl,
/// coreutils and sed (no jq); storage is reached at <see cref="StorageEndpoint"/> unless <c>STORAGE_EMULATOR_HOST</c> is set.
/// A setup failure (token, bundle download or checksum, image pull) is written to the run's stderr and recorded as exit
/// code <see cref="SetupFailureExitCode"/>.
/// </para>
/// <para>
/// With <see cref="WarmPool"/> the VM stays in the warm pool after its job: an idle loop marks its instance document
/// idle, waits for a claim, ACKs it by compare-and-swap and runs the claimed job (a <see cref="BuildJob"/> document: the
/// same job lines the cold script embeds, run by the same function) in a fresh work directory, until its idle timeout;
/// see <c>docs/warm-pool.md</c>.
/// </para>
/// </remarks>
internal sealed class StartupScriptBuilder
{
    /// <summary>The exit code recorded when the run could not be set up (no token, bundle missing or corrupt, pull failed).</summary>
    public const int SetupFailureExitCode = 125;

    /// <summary>The largest log chunk object the script writes; bigger bursts are split.</summary>
    public const long MaxChunkBytes = 8L * 1024 * 1024;

    /// <summary>The Cloud Storage endpoint on Google Cloud.</summary>
    public static readonly Uri DefaultStorageEndpoint = new("https://storage.googleapis.com/");

    /// <param name="spec">The run to execute; its id names every object the script writes.</param>
    /// <param name="bucket">The bucket holding the run's logs, exit code and bundle.</param>
    public StartupScriptBuilder(RunSpec spec, string bucket)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        if (bucket.Any(c => c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.')))
        {
            throw new ArgumentException($"'{bucket}' is not a bucket name (lower-case letters, digits, '-', '_' and '.').", nameof(bucket));
        }

        Spec = spec;
        Bucket = bucket;
    }

    /// <summary>The run.</summary>
    public RunSpec Spec { get; }

    /// <summary>The bucket.</summary>
    public string Bucket { get; }

    /// <summary>The app bundle to download and run the command from; null runs <see cref="RunSpec.Command"/> as installed on the image (or inside <see cref="RunSpec.Image"/>).</summary>
    public AppBundle? Bundle { get; init; }

    /// <summary>The storage endpoint the VM uses (overridden on the VM by <c>STORAGE_EMULATOR_HOST</c>).</summary>
    public Uri StorageEndpoint { get; init; } = DefaultStorageEndpoint;

    /// <summary>
    /// Whether the VM deletes itself once the exit code is stored (a cold VM would otherwise keep running, and billing,
    /// after its job). Needs <c>compute.instances.delete</c> for the VM's service account. Skipped when the VM is already
    /// being stopped (a termination signal arrived).
    /// </summary>
    public bool DeleteInstanceWhenDone { get; init; }

    /// <summary>The Compute Engine endpoint the VM calls to delete itself (see <see cref="DeleteInstanceWhenDone"/>).</summary>
    public Uri ComputeEndpoint { get; init; } = GceRunBackendOptions.DefaultComputeEndpoint;

    /// <summary>How often new log output is shipped as a chunk object. GCS accepts new objects at any rate; keep this ≥ 1 s on Google Cloud to bound request counts.</summary>
    public TimeSpan LogShipInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the command may handle SIGTERM before its process group is killed.</summary>
    public TimeSpan TerminationGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The resource profile name exported to the command (<see cref="RunEnvironmentVariables.ResourceProfile"/>).</summary>
    public string? ResourceProfile { get; init; }

    /// <summary>
    /// The environment the command receives: the spec's variables plus the <see cref="RunEnvironmentVariables"/> every
    /// backend sets. Every name is validated here (again — the spec validates too) because this is where names become script text.
    /// </summary>
    /// <exception cref="InvalidRunSpecException">A name breaks <see cref="EnvironmentVariableName.Pattern"/>.</exception>
    public IReadOnlyList<KeyValuePair<string, string>> Environment()
    {
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in Spec.Environment)
        {
            if (!EnvironmentVariableName.IsValid(name))
            {
                throw new InvalidRunSpecException(nameof(RunSpec.Environment), name, $"key is not a valid environment variable name (must match {EnvironmentVariableName.Pattern})");
            }

            env[name] = value;
        }

        env[RunEnvironmentVariables.RunId] = Spec.RunId;
        env[RunEnvironmentVariables.OutputPrefix] = Spec.EffectiveOutputPrefix;
        if (Spec.InputPrefix is { } input)
        {
            env[RunEnvironmentVariables.InputPrefix] = input;
        }

        if ((ResourceProfile ?? Spec.ResourceProfile) is { } profile)
        {
            env[RunEnvironmentVariables.ResourceProfile] = profile;
        }

        return [.. env];
    }

    /// <summary>
    /// The container flags (<c>docker run</c> options before the image) for this run: the one mount/flags builder, shared by
    /// every path that starts a container. Words are unquoted; the script quotes them.
    /// </summary>
    public IReadOnlyList<string> ContainerRunFlags()
    {
        // "-e NAME" without a value: docker copies the value from its own environment, where the script exported it,
        // so no value is ever put on a command line.
        var flags = new List<string> { "--rm", "--init", "--network=host", "--name=stagecraft-" + Spec.RunId };
        foreach (var (name, _) in Environment())
        {
            flags.Add("-e");
            flags.Add(name);
        }

        return flags;
    }

    /// <summary>
    /// The VM's pool settings: with them, the VM stays in the warm pool after its first job (idle loop: it waits for a
    /// claim, ACKs it, runs the claimed job, until <see cref="WarmPoolScriptOptions.IdleTimeout"/>, then deletes itself).
    /// Null: the VM runs this one job (and deletes itself when <see cref="DeleteInstanceWhenDone"/>).
    /// </summary>
    public WarmPoolScriptOptions? WarmPool { get; init; }

    /// <summary>Generates the script: the VM's settings, then this run's job (<see cref="BuildJob"/>'s assignments), then the fixed body.</summary>
    /// <exception cref="InvalidRunSpecException">An environment name is invalid.</exception>
    public string Build()
    {
        var job = new StringBuilder();
        AppendJob(job);
        var script = new StringBuilder();
        script.Append("#!/bin/bash\n# Stagecraft startup script for run ").Append(Spec.RunId).Append(" (generated by StartupScriptBuilder; do not edit).\n");
        Assign(script, "sc_bucket", Bucket);
        Assign(script, "sc_storage_endpoint", StorageEndpoint.AbsoluteUri.TrimEnd('/'));
        Assign(script, "sc_compute_endpoint", ComputeEndpoint.AbsoluteUri.TrimEnd('/'));
        Assign(script, "sc_delete_when_done", DeleteInstanceWhenDone ? "1" : "0");
        Assign(script, "sc_grace", Math.Max(1, (int)Math.Ceiling(TerminationGracePeriod.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
        Assign(script, "sc_ship_interval", Math.Max(0.05, LogShipInterval.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture));
        Assign(script, "sc_max_chunk", MaxChunkBytes.ToString(CultureInfo.InvariantCulture));
        Assign(script, "sc_setup_failure_code", SetupFailureExitCode.ToString(CultureInfo.InvariantCulture));
        var pool = WarmPool;
        Assign(script, "sc_pool_instance_key", pool is null ? string.Empty : pool.Paths.Instance(pool.Profile, pool.InstanceId));
        Assign(script, "sc_pool_jobs_prefix", pool is null ? string.Empty : pool.Paths.JobsPrefix(pool.Profile));
        Assign(script, "sc_pool_idle_timeout", pool is null ? "0" : ((long)Math.Ceiling(pool.IdleTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
        var pollMax = pool is null ? 0 : Math.Max(10L, (long)pool.PollInterval.TotalMilliseconds);
        Assign(script, "sc_pool_poll_min_ms", Math.Max(10L, pollMax / 8).ToString(CultureInfo.InvariantCulture));
        Assign(script, "sc_pool_poll_max_ms", pollMax.ToString(CultureInfo.InvariantCulture));
        script.Append(job);
        script.Append(Body);
        return script.ToString();
    }

    /// <summary>
    /// The job document a claimed warm VM runs: this run's assignments only (ids, object keys, command, environment,
    /// container flags). The cold script (<see cref="Build"/>) embeds exactly these lines, and the VM runs both through
    /// the same function, so a job cannot be set up differently on a reused VM. Every assignment is always present, so a
    /// job never inherits a value of the job before it.
    /// </summary>
    /// <exception cref="InvalidRunSpecException">An environment name is invalid.</exception>
    public string BuildJob()
    {
        var job = new StringBuilder();
        job.Append("# Stagecraft job for run ").Append(Spec.RunId).Append(" (generated by StartupScriptBuilder; do not edit).\n");
        AppendJob(job);
        return job.ToString();
    }

    private void AppendJob(StringBuilder script)
    {
        var paths = Spec.Paths;
        var env = Environment();
        Assign(script, "sc_run_id", Spec.RunId);
        Assign(script, "sc_stdout_prefix", paths.LogChunkPrefix(LogStream.Stdout));
        Assign(script, "sc_stderr_prefix", paths.LogChunkPrefix(LogStream.Stderr));
        Assign(script, "sc_exit_code_key", paths.ExitCode);
        Assign(script, "sc_bundle_key", Bundle?.Key ?? string.Empty);
        Assign(script, "sc_bundle_sha256", Bundle?.Sha256 ?? string.Empty);
        Assign(script, "sc_image", Spec.Image ?? string.Empty);
        Assign(script, "sc_workdir", Spec.WorkingDirectory ?? string.Empty);
        Assign(script, "sc_timeout", Spec.Timeout is { } t ? Math.Max(t.TotalSeconds, 0.001).ToString("0.###", CultureInfo.InvariantCulture) : string.Empty);
        Assign(script, "sc_timeout_whole", Spec.Timeout is { } w ? ((long)Math.Floor(w.TotalSeconds)).ToString(CultureInfo.InvariantCulture) : "0");
        AssignArray(script, "sc_command", [Spec.Command, .. Spec.Arguments]);
        AssignArray(script, "sc_env", env.Select(p => p.Key + "=" + p.Value));
        AssignArray(script, "sc_docker_flags", ContainerRunFlags());
    }

    private static void Assign(StringBuilder script, string name, string value) =>
        script.Append(BashQuoting.Assignment(name, value)).Append('\n');

    private static void AssignArray(StringBuilder script, string name, IEnumerable<string> words) =>
        script.Append(name).Append("=(").Append(BashQuoting.Join(words)).Append(")\n");

    // The fixed body. It reads only the sc_* variables above; spec data never becomes command text.
    private const string Body = """
        set -u
        umask 077
        sc_md_host=${GCE_METADATA_HOST:-metadata.google.internal}
        if [ -n "${STORAGE_EMULATOR_HOST:-}" ]; then
          sc_storage=${STORAGE_EMULATOR_HOST%/}
          case $sc_storage in http://*|https://*) ;; *) sc_storage=http://$sc_storage ;; esac
        else
          sc_storage=$sc_storage_endpoint
        fi
        sc_root=${STAGECRAFT_WORK_ROOT:-/var/lib/stagecraft}
        # VM-wide state (token, pool documents) lives apart from every job's work directory ("." is never in a run id).
        sc_vm=$sc_root/.vm
        mkdir -p "$sc_vm" || exit 1
        sc_auth_file=$sc_vm/auth-header
        sc_work= sc_child= sc_killer= sc_shipper= sc_signals=0 sc_token_at=0 sc_http_status=000

        sc_log() { printf '%s stagecraft[%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$sc_run_id" "$*" >&2; }

        # Percent-encodes $1 byte by byte (RFC 3986 unreserved characters kept) for object names in URLs.
        sc_urlencode() {
          local LC_ALL=C s=$1 out= c i
          for (( i = 0; i < ${#s}; i++ )); do
            c=${s:i:1}
            case $c in
              [a-zA-Z0-9.~_-]) out+=$c ;;
              *) printf -v c '%%%02X' "'$c"; out+=$c ;;
            esac
          done
          printf '%s' "$out"
        }

        # Fetches (or reuses, for five minutes) the service account's token into a header file, so it never appears on a command line.
        sc_refresh_token() {
          local now body token
          now=$(date +%s)
          if [ -s "$sc_auth_file" ] && [ $(( now - sc_token_at )) -lt 300 ]; then return 0; fi
          body=$(curl -sS -f --max-time 30 -H 'Metadata-Flavor: Google' "http://$sc_md_host/computeMetadata/v1/instance/service-accounts/default/token") || return 1
          token=$(printf '%s' "$body" | sed -n 's/.*"access_token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
          [ -n "$token" ] || return 1
          printf 'Authorization: Bearer %s\n' "$token" >"$sc_auth_file.tmp" && mv -f "$sc_auth_file.tmp" "$sc_auth_file" || return 1
          sc_token_at=$now
        }

        # Sleeps $1 seconds in a way a trapped signal interrupts (a foreground sleep would delay the trap).
        sc_sleep() {
          sleep "$1" &
          wait "$!" 2>/dev/null
        }

        # Runs curl with the token, retrying connection errors, 408, 429, 5xx and 401 (after a token refresh) with backoff;
        # $1 says what is being done, the rest are curl's arguments. Sets sc_http_status (000 = no answer). Gives up early
        # once a termination signal has arrived. Not called in $(...): a subshell would not see sc_signals change.
        sc_http() {
          local what=$1 attempt=1
          shift
          while :; do
            sc_http_status=000
            if sc_refresh_token; then
              sc_http_status=$(curl -sS -w '%{http_code}' --max-time 300 -H @"$sc_auth_file" "$@") || sc_http_status=000
              sc_http_status=${sc_http_status: -3}
              case $sc_http_status in
                401) sc_token_at=0 ;;
                000|408|429|5??) ;;
                *) return 0 ;;
              esac
            fi
            if [ "$attempt" -ge 8 ] || [ "$sc_signals" -gt 0 ]; then
              sc_log "$what: giving up after $attempt attempts (last status $sc_http_status)"
              return 1
            fi
            sc_sleep $(( attempt < 5 ? attempt : 5 ))
            attempt=$(( attempt + 1 ))
          done
        }

        # Uploads file $1 as object $2, create-only: 412 means an earlier attempt already stored it.
        sc_upload() {
          sc_http "upload of $2" -o /dev/null -X POST -H 'Content-Type: application/octet-stream' --data-binary @"$1" \
            "$sc_storage/upload/storage/v1/b/$(sc_urlencode "$sc_bucket")/o?uploadType=media&ifGenerationMatch=0&name=$(sc_urlencode "$2")"
          case $sc_http_status in 200|201|412) return 0 ;; *) sc_log "upload of $2 failed: HTTP $sc_http_status"; return 1 ;; esac
        }

        # Downloads object $1 to file $2.
        sc_download() {
          sc_http "download of $1" -o "$2" "$sc_storage/storage/v1/b/$(sc_urlencode "$sc_bucket")/o/$(sc_urlencode "$1")?alt=media"
          [ "$sc_http_status" = 200 ] || { sc_log "download of $1 failed: HTTP $sc_http_status"; return 1; }
        }

        # Prints the metadata server's value at path $1 (relative to computeMetadata/v1).
        sc_metadata() {
          curl -sS -f --max-time 30 -H 'Metadata-Flavor: Google' "http://$sc_md_host/computeMetadata/v1/$1"
        }

        # Deletes this VM through the Compute API (404: already gone). Its name, zone and project come from the metadata server.
        sc_delete_self() {
          local project zone name
          if ! project=$(sc_metadata project/project-id) || ! zone=$(sc_metadata instance/zone) || ! name=$(sc_metadata instance/name); then
            sc_log "not deleting this VM: the metadata server did not say its name"
            return 1
          fi
          zone=${zone##*/}
          sc_http "deletion of this VM" -o /dev/null -X DELETE \
            "$sc_compute_endpoint/compute/v1/projects/$(sc_urlencode "$project")/zones/$(sc_urlencode "$zone")/instances/$(sc_urlencode "$name")"
          case $sc_http_status in
            200|404) sc_log "deleting this VM ($name in $zone)" ;;
            *) sc_log "could not delete this VM ($name in $zone): HTTP $sc_http_status"; return 1 ;;
          esac
        }

        # Sends signal $1 to the command's process group. Never with an empty or zero pid: "kill -- -0" would signal this script's own group.
        sc_signal_group() {
          case $sc_child in ''|0|*[!0-9]*) return 0 ;; esac
          kill -s "$1" -- "-$sc_child" 2>/dev/null || true
        }

        sc_on_term() {
          sc_signals=$(( sc_signals + 1 ))
          sc_log "received a termination signal; forwarding SIGTERM to the run's process group"
          sc_signal_group TERM
          if [ -z "$sc_killer" ] && [ -n "$sc_child" ]; then
            ( trap - TERM INT HUP; sleep "$sc_grace"; sc_signal_group KILL; [ -z "$sc_image" ] || docker kill "stagecraft-$sc_run_id" >/dev/null 2>&1 ) &
            sc_killer=$!
          fi
        }
        trap sc_on_term TERM INT HUP

        # Ships new bytes of each stream as the next numbered chunk; state lives in this loop only.
        sc_ship_logs() {
          local -a files=("$sc_work/stdout.log" "$sc_work/stderr.log") prefixes=("$sc_stdout_prefix" "$sc_stderr_prefix") index=(0 0) offset=(0 0)
          local s size length key last=
          trap - TERM INT HUP
          while :; do
            [ -e "$sc_work/command.done" ] && last=1
            for s in 0 1; do
              while :; do
                size=$(stat -c %s "${files[s]}" 2>/dev/null) || size=0
                [ "$size" -gt "${offset[s]}" ] || break
                length=$(( size - offset[s] ))
                [ "$length" -le "$sc_max_chunk" ] || length=$sc_max_chunk
                tail -c +$(( offset[s] + 1 )) "${files[s]}" | head -c "$length" >"$sc_work/chunks/next"
                printf -v key '%s%012d' "${prefixes[s]}" "${index[s]}"
                sc_upload "$sc_work/chunks/next" "$key" || break
                offset[s]=$(( offset[s] + length ))
                index[s]=$(( index[s] + 1 ))
              done
            done
            [ -n "$last" ] && return 0
            sleep "$sc_ship_interval"
          done
        }

        # Runs in a subshell: exports the run's environment (names were validated by the generator) and becomes the command.
        sc_exec_command() {
          local a
          for a in "${sc_env[@]}"; do export "$a"; done
          if [ -n "$sc_image" ]; then
            exec setsid docker run "${sc_docker_flags[@]}" "$sc_image" "${sc_command[@]}"
          elif [ -n "$sc_timeout" ]; then
            exec setsid timeout --signal=TERM --kill-after="${sc_grace}s" "${sc_timeout}s" "${sc_command[@]}"
          else
            exec setsid "${sc_command[@]}"
          fi
        }

        # Runs the job the sc_run_id.. sc_docker_flags assignments describe (the cold script's own, or a claimed job
        # document's), in a fresh work directory, and stores its logs and exit code under that run's keys. Every per-job
        # variable is reset here; the job's environment is exported only in the command's subshell.
        sc_run_job() {
          sc_child= sc_killer= sc_shipper= sc_code= sc_reason=exited
          case $sc_run_id in ''|*[!a-z0-9-]*) sc_log "refusing a job without a valid run id"; return 1 ;; esac
          sc_work=$sc_root/$sc_run_id
          sc_cwd=$sc_work
          rm -rf "$sc_work"
          mkdir -p "$sc_work/chunks" || return 1
          sc_log "starting run $sc_run_id"
          : >"$sc_work/stdout.log"
          : >"$sc_work/stderr.log"
          sc_ship_logs &
          sc_shipper=$!

          if [ -n "$sc_bundle_key" ]; then
            sc_cwd=$sc_work/app
            if ! mkdir -p "$sc_cwd" || ! sc_download "$sc_bundle_key" "$sc_work/bundle.tar.gz" 2>>"$sc_work/stderr.log"; then
              printf 'stagecraft: could not download the app bundle %s\n' "$sc_bundle_key" >>"$sc_work/stderr.log"
              sc_code=$sc_setup_failure_code
            elif ! printf '%s  %s\n' "$sc_bundle_sha256" "$sc_work/bundle.tar.gz" | sha256sum -c --status; then
              printf 'stagecraft: the app bundle %s does not match its SHA-256 %s\n' "$sc_bundle_key" "$sc_bundle_sha256" >>"$sc_work/stderr.log"
              sc_code=$sc_setup_failure_code
            elif ! tar -xzf "$sc_work/bundle.tar.gz" -C "$sc_cwd" 2>>"$sc_work/stderr.log"; then
              printf 'stagecraft: could not extract the app bundle %s\n' "$sc_bundle_key" >>"$sc_work/stderr.log"
              sc_code=$sc_setup_failure_code
            fi
          elif [ -n "$sc_image" ] && ! docker pull "$sc_image" >>"$sc_work/stderr.log" 2>&1; then
            printf 'stagecraft: could not pull the image %s\n' "$sc_image" >>"$sc_work/stderr.log"
            sc_code=$sc_setup_failure_code
          fi
          if [ -n "$sc_workdir" ]; then sc_cwd=$sc_workdir; mkdir -p "$sc_cwd"; fi

          if [ "$sc_signals" -gt 0 ]; then
            # Stopped before the command started: nothing to signal (and never "kill -- -0").
            sc_code=143
          elif [ -z "$sc_code" ]; then
            sc_started=$(date +%s)
            ( cd "$sc_cwd" && sc_exec_command ) >>"$sc_work/stdout.log" 2>>"$sc_work/stderr.log" </dev/null &
            sc_child=$!
            printf '%s\n' "$sc_child" >"$sc_work/command.pid"
            # wait returns early when a trapped signal arrives; wait again until the command itself has ended.
            while :; do
              sc_seen=$sc_signals
              wait "$sc_child"
              sc_status=$?
              if [ "$sc_seen" = "$sc_signals" ]; then sc_code=$sc_status; break; fi
              # Interrupted by a signal. A zombie still answers kill -0, so wait again; if bash already reaped the command
              # itself, the next wait returns the stored status (or 127 when there is none: keep what we had).
              if ! kill -0 "$sc_child" 2>/dev/null; then
                wait "$sc_child"
                sc_status2=$?
                if [ "$sc_status2" = 127 ]; then sc_code=$sc_status; else sc_code=$sc_status2; fi
                break
              fi
            done
            if [ -n "$sc_timeout" ] && [ $(( $(date +%s) - sc_started )) -ge "$sc_timeout_whole" ] && { [ "$sc_code" = 124 ] || [ "$sc_code" = 137 ]; }; then
              sc_reason=timeout
            fi
            case $sc_killer in ''|0|*[!0-9]*) ;; *) kill "$sc_killer" 2>/dev/null ;; esac
          fi

          : >"$sc_work/command.done"
          while ! wait "$sc_shipper"; do kill -0 "$sc_shipper" 2>/dev/null || break; done
          # The exit code last: it tells readers that every log chunk is stored.
          printf '%s %s\n' "$sc_code" "$sc_reason" >"$sc_work/exit_code"
          sc_upload "$sc_work/exit_code" "$sc_exit_code_key"
          sc_log "run finished: $(cat "$sc_work/exit_code")"
        }

        # Sleeps $1 milliseconds.
        sc_sleep_ms() {
          sc_sleep "$(printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )))"
        }

        # Reads this VM's pool document into $sc_vm/doc.json and sets sc_doc_gen/state/run/jobs.
        # Returns 1 when the document is gone, 2 when it could not be read.
        sc_pool_read() {
          rm -f "$sc_vm/doc.json" "$sc_vm/doc.headers"
          sc_http "read of the pool document" -D "$sc_vm/doc.headers" -o "$sc_vm/doc.json" \
            "$sc_storage/storage/v1/b/$(sc_urlencode "$sc_bucket")/o/$(sc_urlencode "$sc_pool_instance_key")?alt=media"
          case $sc_http_status in 200) ;; 404) return 1 ;; *) return 2 ;; esac
          sc_doc_gen=$(sed -n 's/^[Xx]-[Gg]oog-[Gg]eneration:[[:space:]]*\([0-9][0-9]*\).*$/\1/p' "$sc_vm/doc.headers" | tail -n 1)
          sc_doc_state=$(sed -n 's/.*"state":"\([a-z]*\)".*/\1/p' "$sc_vm/doc.json")
          sc_doc_run=$(sed -n 's/.*"runId":"\([a-z0-9-]*\)".*/\1/p' "$sc_vm/doc.json")
          sc_doc_jobs=$(sed -n 's/.*"jobs":\([0-9][0-9]*\).*/\1/p' "$sc_vm/doc.json")
          [ -n "$sc_doc_gen" ] && [ -n "$sc_doc_state" ] || return 2
        }

        # Writes the document read last with state $1 (a fixed word) to $sc_vm/next.json; idle also drops the claim and
        # counts the finished job. The document is flat with token values, so sed rewrites it field by field.
        sc_pool_next() {
          local now jobs=${sc_doc_jobs:-0} claim=
          now=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
          if [ "$1" = idle ]; then jobs=$(( jobs + 1 )); claim='s/"claimId":"[^"]*"/"claimId":null/'; fi
          sed -e "s/\"state\":\"[a-z]*\"/\"state\":\"$1\"/" -e "s/\"stateSince\":\"[^\"]*\"/\"stateSince\":\"$now\"/" \
            -e "s/\"jobs\":[0-9]*/\"jobs\":$jobs/" -e "${claim:-s/^//}" "$sc_vm/doc.json" >"$sc_vm/next.json"
        }

        # Compare-and-swap: stores $sc_vm/next.json only if the document still has generation sc_doc_gen.
        # Returns 1 when another writer moved it first (then nothing was written).
        sc_pool_write() {
          sc_http "update of the pool document" -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @"$sc_vm/next.json" \
            "$sc_storage/upload/storage/v1/b/$(sc_urlencode "$sc_bucket")/o?uploadType=media&ifGenerationMatch=$sc_doc_gen&name=$(sc_urlencode "$sc_pool_instance_key")"
          case $sc_http_status in
            200|201) return 0 ;;
            # A retried write whose first answer was lost is refused too: it won if the document is exactly what we wrote.
            412) sc_pool_read && cmp -s "$sc_vm/doc.json" "$sc_vm/next.json" && return 0; return 1 ;;
            *) return 1 ;;
          esac
        }

        # The idle loop: after each job (logs and exit code stored), marks this VM idle (only while its document still says
        # it runs that job), polls its document with backoff, and on a claim reads the job document, ACKs (claimed ->
        # running, a compare-and-swap: a claim the launcher already released is never run) and runs the job. Returns when
        # the VM leaves the pool: idle timeout (idle -> deleting), a signal, or a document that no longer counts on it.
        sc_pool_serve() {
          local since interval
          while :; do
            # The previous job's files are gone before anything else can run here.
            case $sc_work in "$sc_root"/?*) rm -rf "$sc_work" ;; esac
            [ "$sc_signals" -eq 0 ] || return 0
            since=$(date +%s)
            while :; do
              sc_pool_read
              case $? in
                1) sc_log "leaving the warm pool: its document is gone"; return 0 ;;
                2)
                  # Storage did not answer: try again (the launcher's document stays right) until the idle timeout.
                  if [ "$sc_signals" -gt 0 ] || [ $(( $(date +%s) - since )) -ge "$sc_pool_idle_timeout" ]; then
                    sc_log "leaving the warm pool: its document could not be read"
                    return 0
                  fi
                  sc_sleep_ms "$sc_pool_poll_max_ms"
                  continue ;;
              esac
              if [ "$sc_doc_run" != "$sc_run_id" ] || { [ "$sc_doc_state" != running ] && [ "$sc_doc_state" != launching ]; }; then
                sc_log "leaving the warm pool: its document says $sc_doc_state for run ${sc_doc_run:-none}"
                return 0
              fi
              sc_pool_next idle
              sc_pool_write && break
            done
            sc_log "idle in the warm pool after run $sc_run_id"
            since=$(date +%s) interval=$sc_pool_poll_min_ms sc_claim_seen= sc_claim_since=0
            while :; do
              [ "$sc_signals" -eq 0 ] || return 0
              sc_pool_read
              case $? in
                1) sc_log "leaving the warm pool: its document is gone"; return 0 ;;
                2) sc_sleep_ms "$interval"; continue ;;
              esac
              if [ "$sc_doc_state" = claimed ] && [ -n "$sc_doc_run" ]; then
                rm -f "$sc_vm/job.sh"
                sc_http "read of the job for run $sc_doc_run" -o "$sc_vm/job.sh" \
                  "$sc_storage/storage/v1/b/$(sc_urlencode "$sc_bucket")/o/$(sc_urlencode "$sc_pool_jobs_prefix$sc_doc_run")?alt=media"
                if [ "$sc_http_status" = 200 ]; then
                  sc_pool_next running
                  if sc_pool_write; then
                    sc_log "accepted run $sc_doc_run"
                    # shellcheck source=/dev/null
                    . "$sc_vm/job.sh"
                    sc_run_job || return 0
                    continue 2
                  fi
                  sc_log "the claim for run $sc_doc_run was released before this VM accepted it; not running it"
                  continue
                fi
                interval=$sc_pool_poll_min_ms # the job is being written: look again soon
              elif [ "$sc_doc_state" != idle ]; then
                sc_log "leaving the warm pool: its document says $sc_doc_state"
                return 0
              fi
              if [ "$sc_doc_state" = claimed ]; then
                # A claim stops the idle clock: the launcher is writing the job. Only one that never delivers it within
                # a whole idle timeout is abandoned (its launcher died; the reaper forgets the claim once this VM is gone).
                if [ "$sc_claim_seen" != "$sc_doc_gen" ]; then sc_claim_seen=$sc_doc_gen sc_claim_since=$(date +%s); fi
                if [ $(( $(date +%s) - sc_claim_since )) -ge "$sc_pool_idle_timeout" ]; then
                  sc_log "leaving the warm pool: a claim never delivered its job"
                  return 0
                fi
              elif [ $(( $(date +%s) - since )) -ge "$sc_pool_idle_timeout" ]; then
                sc_pool_next deleting
                if sc_pool_write; then sc_log "idle timeout: leaving the warm pool"; return 0; fi
                continue
              fi
              sc_sleep_ms "$interval"
              interval=$(( interval * 2 ))
              [ "$interval" -le "$sc_pool_poll_max_ms" ] || interval=$sc_pool_poll_max_ms
            done
          done
        }

        sc_run_job || exit 1
        if [ -n "$sc_pool_instance_key" ]; then
          # A pool VM leaves the pool only to be deleted: idle, it bills for nothing it will ever run.
          sc_pool_serve
          sc_delete_when_done=1
        fi
        if [ "$sc_delete_when_done" = 1 ] && [ "$sc_signals" -eq 0 ]; then
          # A failed self-delete is logged; the backend (cold) or the pool's reaper (warm) deletes the VM instead.
          sc_delete_self || true
        fi
        exit 0

        """;
}
