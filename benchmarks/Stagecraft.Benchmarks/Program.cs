using BenchmarkDotNet.Running;

// `dotnet run -c Release --project benchmarks/Stagecraft.Benchmarks -- --filter '*'` (see benchmarks/README.md).
// `-- merge-vs-python DIR [ROUNDS]`: the post-run merge against the Python algorithm it replaces (benchmarks/README.md).
if (args is ["merge-vs-python", .. var rest])
{
    return await Stagecraft.Benchmarks.References.MergeVersusPython.RunAsync(rest);
}

// `-- merge-profile DIR PHASE [ROUNDS]`: repeats one phase of merge-vs-python alone, for a profiler (benchmarks/README.md).
if (args is ["merge-profile", .. var profileArgs])
{
    return await Stagecraft.Benchmarks.References.MergeProfile.RunAsync(profileArgs);
}

// `-- listing DIR [OBJECTS]`: LocalObjectStorage listing at 100,000 objects in one folder (benchmarks/README.md).
if (args is ["listing", .. var listingArgs])
{
    return await Stagecraft.Benchmarks.Storage.LocalListingScale.RunAsync(listingArgs);
}

// `-- warm-pool-vms [STAGES]`: VMs created by a sequential pipeline on Compute Engine with and without the warm pool (benchmarks/README.md).
if (args is ["warm-pool-vms", .. var warmArgs])
{
    return await Stagecraft.Benchmarks.WarmPool.WarmPoolVmCount.RunAsync(warmArgs);
}

// `-- local-warm-workers [STAGES]`: per-stage overhead of cold vs warm local pipeline workers (benchmarks/README.md).
if (args is ["local-warm-workers", .. var localWarmArgs])
{
    return await Stagecraft.Benchmarks.WarmPool.LocalWarmWorkerOverhead.RunAsync(localWarmArgs);
}

// `-- generator-profile full|incremental [RUNS]`: one generator benchmark case in a loop, for a profiler (benchmarks/README.md).
if (args is ["generator-profile", .. var generatorArgs])
{
    return Stagecraft.Benchmarks.Generators.GeneratorProfile.Run(generatorArgs);
}

BenchmarkSwitcher.FromAssembly(typeof(Stagecraft.Benchmarks.WarmPool.WarmPoolVmCount).Assembly).Run(args);
return 0;
