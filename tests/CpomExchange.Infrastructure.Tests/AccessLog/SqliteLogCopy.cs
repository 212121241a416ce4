using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Infrastructure.Tests.AccessLog;

/// <summary>
/// A test's own copy of the shared log (<see cref="SqliteLogVerificationTests.Template"/>: <see cref="Size"/> entries of
/// <see cref="Controller"/> and its key), made before each test and deleted after, since every test may rewrite it;
/// and the verification of that copy, directly or through EF Core (the former path the direct one is compared with).
/// </summary>
public abstract class SqliteLogCopy(SqliteLogVerificationTests.Template template, string prefix) : IAsyncLifetime
{
    internal const string Controller = "prevy";
    internal const int Size = 2_500;

    /// <summary>The copy's folder.</summary>
    protected string Root { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    protected CpomHome Home { get; private set; } = null!;

    protected LocalKeyProvider Keys { get; private set; } = null!;

    public Task InitializeAsync()
    {
        template.CopyTo(Root);
        Home = new CpomHome(Root);
        Keys = new LocalKeyProvider(Home.KeyDirectory);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        CpomDatabase.ClearPools();
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>The copy's verification: directly (in <paramref name="parts"/> and stripes of <paramref name="stripe"/> when given) or through EF Core.</summary>
    protected async Task<LogVerification> VerifyAsync(bool direct, int? parts = null, long? stripe = null)
    {
        await using var db = await CpomDatabase.OpenSqliteAsync(Home);
        return await new AccessLogReader(db, Keys).VerifyAsync(Controller, direct, CancellationToken.None, parts, stripe);
    }

    /// <summary><see cref="VerifyAsync"/>, or the error a row the reading cannot make sense of raises.</summary>
    protected async Task<(LogVerification? Result, Exception? Error)> TryVerifyAsync(bool direct, int? parts = null)
    {
        try
        {
            return (await VerifyAsync(direct, parts), null);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or InvalidOperationException)
        {
            return (null, e);
        }
    }
}
