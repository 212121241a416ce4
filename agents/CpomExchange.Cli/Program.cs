using CpomExchange.Cli;

return await CpomCli.RunAsync(args, Console.Out, Console.Error);
