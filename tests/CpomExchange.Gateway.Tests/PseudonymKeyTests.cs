using System.Security.Cryptography;
using System.Text.Json;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// One pseudonymisation key per deployment, in the shared database: a gateway that cannot have the
/// deployment's key refuses to start, in French, rather than make pseudonyms of its own.
/// </summary>
public sealed class PseudonymKeyTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("cpom-pseudonym-").FullName;
    private StorageOptions _storage = null!;

    public async Task InitializeAsync()
    {
        _storage = await GatewayFixture.NewStorageAsync();
        if (_storage.Provider == StorageOptions.Sqlite)
        {
            // Every instance of these tests on one database, each with its own state folder.
            _storage.ConnectionString = $"Data Source={Path.Combine(_root, "shared.db")};Default Timeout=30";
        }
    }

    public Task DisposeAsync()
    {
        CpomDatabase.ClearPools();
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    private string[] Settings(string home, string? keyDirectory = null) =>
    [
        "--environment", "Development", "--urls", "https://127.0.0.1:0", "--Cpom:Home", home, "--Cpom:Policies", TestPaths.Policies,
        "--Logging:LogLevel:Default", "Warning",
        "--Storage:Provider", _storage.Provider, "--Storage:ConnectionString", _storage.ConnectionString!,
        .. keyDirectory is null ? Array.Empty<string>() : ["--Cpom:Keys:Local:Directory", keyDirectory],
    ];

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    private Task<CpomDbContext> OpenAsync() => CpomDatabase.OpenAsync(_storage, new CpomHome(Folder("tools")));

    [Fact]
    public async Task DatasetsWithoutAKey_RefuseToStart_AndNoKeyIsMade()
    {
        await using (var db = await OpenAsync())
        {
            db.Datasets.Add(new DatasetEntity
            {
                Id = "ds_orphan", Type = "adherents", FromOrganisation = "prevy", ToOrganisation = "carsat-lr", Purpose = "sinistralite", ContractId = "cpom-prevy-2025",
                CreatedBy = "prevy-agent", Sha256 = "0", SourceSha256 = "0", PayloadName = "ds_orphan.cpom", CreatedAtUtc = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        }

        var e = await Assert.ThrowsAsync<PseudonymKeyException>(() => GatewayApp.CreateAsync(Settings(Folder("a"))));

        Assert.Contains("contient des jeux de données mais aucune clé de pseudonymisation", e.Message, StringComparison.Ordinal);
        await using var check = await OpenAsync();
        Assert.Equal(0, await check.PseudonymKeys.CountAsync());
    }

    [Fact]
    public async Task AKeyTheProviderCannotUnwrap_RefusesToStart_NamingTheSharedKeySetting()
    {
        // The first instance makes the deployment's key, wrapped by its key folder's key-encryption key.
        await (await GatewayApp.CreateAsync(Settings(Folder("a"), Folder("keys-a")))).DisposeAsync();
        byte[] wrapped;
        await using (var db = await OpenAsync())
        {
            var key = await db.PseudonymKeys.AsNoTracking().SingleAsync();
            Assert.Equal(("local:kek-v1", "created"), (key.KeyId, key.Origin));
            wrapped = key.WrappedKey;
        }

        // Another instance with a key folder of its own (the documented mistake).
        var e = await Assert.ThrowsAsync<PseudonymKeyException>(() => GatewayApp.CreateAsync(Settings(Folder("b"), Folder("keys-b"))));

        Assert.Contains("ne peut pas être déballée", e.Message, StringComparison.Ordinal);
        Assert.Contains("Cpom:Keys:Local:Directory", e.Message, StringComparison.Ordinal);
        await using var check = await OpenAsync();
        Assert.Equal(wrapped, (await check.PseudonymKeys.AsNoTracking().SingleAsync()).WrappedKey);

        // With the shared key folder, it starts, on the same key.
        await (await GatewayApp.CreateAsync(Settings(Folder("b"), Folder("keys-a")))).DisposeAsync();
        Assert.Equal(1, await check.PseudonymKeys.CountAsync());
    }

    [Fact]
    public async Task AnInstanceWhoseEarlierKeyFileHoldsAnotherKey_RefusesToStart()
    {
        var keys = Folder("keys");
        await (await GatewayApp.CreateAsync(Settings(Folder("a"), keys))).DisposeAsync();
        // Instance b, under the earlier version, had made its own key (the bug this version fixes).
        var home = Folder("b");
        var own = await new LocalKeyProvider(keys).WrapAsync(RandomNumberGenerator.GetBytes(32));
        Directory.CreateDirectory(Path.Combine(home, "keys"));
        await File.WriteAllBytesAsync(Path.Combine(home, "keys", PseudonymKeyStore.LegacyFileName), JsonSerializer.SerializeToUtf8Bytes(new { own.KeyId, own.Value }));

        var e = await Assert.ThrowsAsync<PseudonymKeyException>(() => GatewayApp.CreateAsync(Settings(home, keys)));

        Assert.Contains("contient une autre clé de pseudonymisation", e.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(home, "keys", PseudonymKeyStore.LegacyFileName)));
    }
}
