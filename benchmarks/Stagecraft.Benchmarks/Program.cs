using BenchmarkDotNet.Running;

// `dotnet run -c Release --project benchmarks/Stagecraft.Benchmarks -- --filter '*'` (see benchmarks/README.md).
// `-- merge-vs-python DIR [ROUNDS]`: the post-run merge against the Python algorithm it replaces (benchmarks/README.md).
if (args is ["merge-vs-python", .. var rest])
{
    return await Stagecraft.Benchmarks.References.MergeVersusPython.RunAsync(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
