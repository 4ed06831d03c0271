using Stagecraft.Runs;

// Placeholder until the hot core lands: shows where a run's artefacts live.
var paths = new RunPaths("quickstart-1");
Console.WriteLine($"stdout of run {paths.RunId} goes to {paths.Stdout}");
