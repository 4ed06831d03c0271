using Stagecraft.TestChild;

// Each command lives in its own file and registers itself through a module initializer,
// so suites can add commands without editing this file.
if (args.Length == 0 || !ChildCommands.TryGet(args[0], out var command))
{
    Console.Error.WriteLine($"usage: Stagecraft.TestChild <command> [args]; commands: {string.Join(", ", ChildCommands.Names)}");
    return 64;
}

return await command(args[1..]);
