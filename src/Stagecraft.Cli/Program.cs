using Stagecraft.Cli;

return await StagecraftCli.RunAsync(args, Console.Out, Console.Error);
