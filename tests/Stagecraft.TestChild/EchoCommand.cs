using System.Runtime.CompilerServices;

namespace Stagecraft.TestChild;

internal static class EchoCommand
{
    [ModuleInitializer]
    internal static void Register() => ChildCommands.Register("echo", args =>
    {
        Console.WriteLine(string.Join(' ', args));
        return Task.FromResult(0);
    });
}
