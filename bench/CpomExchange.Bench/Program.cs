using CpomExchange.Bench;
using CpomExchange.Bench.AccessLog;
using CpomExchange.Bench.Crypto;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Storage;

// The benchmark command: prints figures beside their targets, then one `bench: name=value unit`
// line per figure. See BENCHMARKS.md.
if (args.Length > 0 && OfflineVerifyBench.Commands.Contains(args[0]))
{
    return await OfflineVerifyBench.RunAsync(args);
}
if (args.Length > 0 && args[0] == CpomExchange.Bench.Transfer.IngestStages.Command)
{
    return await CpomExchange.Bench.Transfer.IngestStages.RunAsync(args);
}
if (args.Length > 0 && args[0] == CpomExchange.Bench.Transfer.GatewayFigures.Command)
{
    return await CpomExchange.Bench.Transfer.GatewayFigures.RunAsync(args);
}
var options = BenchOptions.Parse(args, Console.Error);
if (options is null)
{
    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Stop at the next step and still delete the temporary state folder.
    e.Cancel = true;
    cancellation.Cancel();
};

var report = new Report(Console.Out);
var root = Path.Combine(Path.GetTempPath(), "cpom-bench-" + Guid.NewGuid().ToString("N")[..12]);
CpomHome.CreatePrivateDirectory(root);
report.Header(options, root);
var written = true;
try
{
    if (options.Suite is BenchOptions.AccessLogSuite or BenchOptions.AllSuites)
    {
        await new AccessLogSuite(options, report).RunAsync(root, cancellation.Token);
    }
    if (options.Suite is BenchOptions.CryptoSuite or BenchOptions.AllSuites)
    {
        await new CryptoSuite(options, report).RunAsync(root, cancellation.Token);
    }
    if (options.Suite is BenchOptions.JournalSuite)
    {
        await new JournalSuite(options, report).RunAsync(root, cancellation.Token);
    }
    if (options.Suite is BenchOptions.SoakSuite)
    {
        await new CpomExchange.Bench.Soak.SoakSuite(options, report).RunAsync(root, cancellation.Token);
    }
    if (options.Suite is BenchOptions.TransferSuite)
    {
        // False when BENCHMARKS.md was to be written and could not be (said on stderr).
        written = await new CpomExchange.Bench.Transfer.TransferSuite(options, report).RunAsync(root, cancellation.Token);
    }
    if (options.Suite is BenchOptions.InstancesSuite)
    {
        written = await new CpomExchange.Bench.Instances.InstancesSuite(options, report).RunAsync(root, cancellation.Token);
    }
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    Console.Error.WriteLine("Interrupted.");
    return 130;
}
finally
{
    // Pooled SQLite connections keep the database files open.
    CpomDatabase.ClearPools();
    Directory.Delete(root, recursive: true);
}
report.PrintMachineLines();
return written ? 0 : 1;
