using CpomExchange.Gateway.Hosting;
using CpomExchange.Gateway.Operations;

// `migrate`, `dev init`: the operator's commands (see OperatorCommands); anything else starts the service.
if (OperatorCommands.Handles(args))
{
    return await OperatorCommands.RunAsync(args, Console.Out, Console.Error);
}
var app = await GatewayApp.CreateAsync(args);
await app.RunAsync();
return 0;
