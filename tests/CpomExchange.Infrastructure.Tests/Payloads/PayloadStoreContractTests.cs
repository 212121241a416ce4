using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Infrastructure.Tests.Payloads;

/// <summary>
/// What every <see cref="IPayloadStore"/> must do, run against each store by the classes below:
/// the folder (<see cref="FolderPayloadStoreContractTests"/>) and Azure Blob Storage on a real
/// Azurite (<see cref="AzureBlobPayloadStoreContractTests"/>).
/// </summary>
public abstract class PayloadStoreContractTests : IAsyncLifetime
{
    protected const int MiB = 1024 * 1024;

    /// <summary>The store under test, new for each test.</summary>
    protected IPayloadStore Store { get; private set; } = null!;

    /// <summary>Creates an empty store.</summary>
    protected abstract Task<IPayloadStore> CreateStoreAsync();

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    // Around the Azure store's block size (4 MiB): empty, one request, exactly one block, one byte more,
    // several blocks, more blocks than are staged at once (writes wait for a stage to end).
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4 * MiB)]
    [InlineData(4 * MiB + 1)]
    [InlineData(9 * MiB + 7)]
    [InlineData(26 * MiB + 3)]
    public async Task CommittedPayload_ReadsBackIdentical(int length)
    {
        var content = RandomNumberGenerator.GetBytes(length);

        await WriteAsync("payload.cpom", content);

        Assert.Equal(content, await ReadAsync("payload.cpom"));
        Assert.True(await Store.ExistsAsync("payload.cpom"));
    }

    [Fact]
    public async Task Payload_IsInvisibleUntilCommitted()
    {
        var content = RandomNumberGenerator.GetBytes(9 * MiB);
        await using var pending = await Store.CreateAsync("late.cpom");
        await WriteInPiecesAsync(pending.Content, content);

        Assert.False(await Store.ExistsAsync("late.cpom"));
        Assert.Empty(await ListAsync());
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync("late.cpom"));

        await pending.CommitAsync();

        Assert.True(await Store.ExistsAsync("late.cpom"));
        Assert.Equal(["late.cpom"], await ListAsync());
        Assert.Equal(content, await ReadAsync("late.cpom"));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(9 * 1024 * 1024)]
    public async Task Payload_DisposedWithoutCommit_LeavesNothing(int length)
    {
        await using (var pending = await Store.CreateAsync("abandoned.cpom"))
        {
            await WriteInPiecesAsync(pending.Content, RandomNumberGenerator.GetBytes(length));
        }

        Assert.Empty(await ListAsync());
        Assert.False(await Store.ExistsAsync("abandoned.cpom"));
        Assert.Equal(0, await Store.CleanTemporaryAsync());
    }

    // Small and large: a single request and a block list are both conditional.
    [Theory]
    [InlineData(10)]
    [InlineData(9 * 1024 * 1024)]
    public async Task Commit_WithoutOverwrite_OntoAnExistingName_ThrowsIOException_AndKeepsTheOriginal(int length)
    {
        var original = RandomNumberGenerator.GetBytes(1000);
        await WriteAsync("taken.cpom", original);

        await using var pending = await Store.CreateAsync("taken.cpom");
        await WriteInPiecesAsync(pending.Content, RandomNumberGenerator.GetBytes(length));
        await Assert.ThrowsAnyAsync<IOException>(() => pending.CommitAsync());

        Assert.Equal(original, await ReadAsync("taken.cpom"));
        Assert.Equal(["taken.cpom"], await ListAsync());
    }

    [Theory]
    [InlineData(10)]
    [InlineData(9 * 1024 * 1024)]
    public async Task Commit_WithOverwrite_ReplacesTheContent(int length)
    {
        await WriteAsync("rotated.cpom", RandomNumberGenerator.GetBytes(6 * MiB));
        var replacement = RandomNumberGenerator.GetBytes(length);

        await WriteAsync("rotated.cpom", replacement, overwrite: true);

        Assert.Equal(replacement, await ReadAsync("rotated.cpom"));
        Assert.Equal(["rotated.cpom"], await ListAsync());
    }

    [Fact]
    public async Task ConcurrentCommits_WithoutOverwrite_OneWinsWithItsWholeContent()
    {
        var first = RandomNumberGenerator.GetBytes(9 * MiB);
        var second = RandomNumberGenerator.GetBytes(9 * MiB);
        await using var a = await Store.CreateAsync("race.cpom");
        await using var b = await Store.CreateAsync("race.cpom");
        await WriteInPiecesAsync(a.Content, first);
        await WriteInPiecesAsync(b.Content, second);

        var commits = new[] { a.CommitAsync(), b.CommitAsync() };
        await Task.WhenAll(commits.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));

        Assert.Equal(1, commits.Count(c => c.IsCompletedSuccessfully));
        var failed = commits.Single(c => !c.IsCompletedSuccessfully);
        Assert.IsAssignableFrom<IOException>(failed.Exception?.InnerException);
        Assert.Equal(commits[0].IsCompletedSuccessfully ? first : second, await ReadAsync("race.cpom"));
    }

    [Fact]
    public async Task OpenRead_OfAMissingName_ThrowsFileNotFound()
    {
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync("missing.cpom"));
    }

    [Fact]
    public async Task Delete_RemovesThePayload_AndAMissingNameIsFine()
    {
        await WriteAsync("gone.cpom", [1, 2, 3]);

        await Store.DeleteAsync("gone.cpom");
        await Store.DeleteAsync("gone.cpom");
        await Store.DeleteAsync("never.cpom");

        Assert.False(await Store.ExistsAsync("gone.cpom"));
        Assert.Empty(await ListAsync());
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync("gone.cpom"));
    }

    [Fact]
    public async Task List_ReturnsOnlyPayloadsAndSubjectIndexes()
    {
        await WriteAsync("a.cpom", [1]);
        await WriteAsync("a.subjects", [2]);
        await WriteAsync("notes.txt", [3]);
        await WriteAsync("b.cpom.old", [4]);
        await using var pending = await Store.CreateAsync("c.cpom");
        await pending.Content.WriteAsync(new byte[] { 5 });

        var names = await ListAsync();

        Assert.Equal(["a.cpom", "a.subjects"], names.Order(StringComparer.Ordinal));
        Assert.True(await Store.ExistsAsync("notes.txt"));
    }

    [Fact]
    public async Task Probe_Succeeds_AndLeavesNothing()
    {
        await Store.ProbeAsync();

        Assert.Empty(await ListAsync());
        Assert.Equal(0, await Store.CleanTemporaryAsync());
    }

    [Theory]
    [InlineData("../x.cpom")]
    [InlineData(".hidden")]
    [InlineData("a/b.cpom")]
    [InlineData("a\\b.cpom")]
    [InlineData("")]
    public async Task InvalidNames_AreRefused(string name)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CreateAsync(name));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CreateAsync(name, overwrite: true));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.OpenReadAsync(name));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ExistsAsync(name));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.DeleteAsync(name));
        Assert.Empty(await ListAsync());
    }

    protected async Task WriteAsync(string name, byte[] content, bool overwrite = false)
    {
        await using var pending = await Store.CreateAsync(name, overwrite);
        await WriteInPiecesAsync(pending.Content, content);
        await pending.CommitAsync();
    }

    protected async Task<byte[]> ReadAsync(string name)
    {
        await using var stream = await Store.OpenReadAsync(name);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    protected async Task<List<string>> ListAsync()
    {
        var names = new List<string>();
        await foreach (var name in Store.ListAsync())
        {
            names.Add(name);
        }
        return names;
    }

    /// <summary>Uneven pieces, both synchronous and asynchronous writes, as callers do.</summary>
    protected static async Task WriteInPiecesAsync(Stream destination, byte[] content)
    {
        var offset = 0;
        for (var i = 0; offset < content.Length; i++)
        {
            var n = Math.Min(content.Length - offset, 65_536 + 16 + (i % 7) * 1000);
            if (i % 3 == 0)
            {
                destination.Write(content, offset, n);
            }
            else
            {
                await destination.WriteAsync(content.AsMemory(offset, n));
            }
            offset += n;
        }
        await destination.FlushAsync();
    }
}

public sealed class FolderPayloadStoreContractTests : PayloadStoreContractTests
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("cpom-payloads-");

    protected override Task<IPayloadStore> CreateStoreAsync() => Task.FromResult<IPayloadStore>(new FolderPayloadStore(_root.FullName));

    public override Task DisposeAsync()
    {
        _root.Delete(recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class AzureBlobPayloadStoreContractTests(Azurite azurite) : PayloadStoreContractTests, IClassFixture<Azurite>
{
    private readonly string _container = "cpom-" + Guid.NewGuid().ToString("N");
    private readonly List<DirectoryInfo> _keyDirectories = [];

    protected override async Task<IPayloadStore> CreateStoreAsync() =>
        await AzureBlobPayloadStore.CreateAsync(new AzureBlobStorageOptions { ConnectionString = azurite.ConnectionString, Container = _container });

    public override async Task DisposeAsync()
    {
        foreach (var keys in _keyDirectories)
        {
            keys.Delete(recursive: true);
        }
        await Container.DeleteIfExistsAsync();
    }

    private BlobContainerClient Container => new(azurite.ConnectionString, _container);

    [Fact]
    public async Task CreateAsync_CreatesAPrivateContainer_AndDescriptionIsItsAddressWithoutSecret()
    {
        var access = await Container.GetAccessPolicyAsync();

        Assert.Equal(PublicAccessType.None, access.Value.BlobPublicAccess);
        Assert.Equal($"{azurite.BlobEndpoint}/{_container}", Store.Description);
        Assert.DoesNotContain(Azurite.AccountKey, Store.Description, StringComparison.Ordinal);
        Assert.DoesNotContain('?', Store.Description);
    }

    [Fact]
    public async Task CreateAsync_OnAnExistingContainer_KeepsItsPayloads()
    {
        await WriteAsync("kept.cpom", [1, 2, 3]);

        var again = await AzureBlobPayloadStore.CreateAsync(new AzureBlobStorageOptions { ConnectionString = azurite.ConnectionString, Container = _container }, CancellationToken.None);

        Assert.True(await again.ExistsAsync("kept.cpom"));
    }

    [Fact]
    public async Task EncryptedPayload_RoundTripsThroughTheBlobStore()
    {
        var directory = Directory.CreateTempSubdirectory("cpom-keys-");
        _keyDirectories.Add(directory);
        var keys = new LocalKeyProvider(directory.FullName);
        var content = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 321);
        string sha256;
        WrappedKey key;

        await using (var pending = await Store.CreateAsync("dataset.cpom"))
        {
            await using (var encrypting = await PayloadCipher.BeginAsync(pending.Content, keys, "dataset"))
            {
                await encrypting.WriteAsync(content);
                await encrypting.CompleteAsync();
                sha256 = encrypting.Sha256!;
                key = encrypting.WrappedKey;
            }
            await pending.CommitAsync();
        }

        var stored = await ReadAsync("dataset.cpom");
        Assert.True(stored.Length > content.Length);
        Assert.Equal(-1, stored.AsSpan().IndexOf(content.AsSpan(0, 64)));
        await using var read = await Store.OpenReadAsync("dataset.cpom");
        using var decrypted = new MemoryStream();
        var length = await PayloadCipher.DecryptAsync(read, decrypted, keys, key, "dataset", sha256);
        Assert.Equal(content.Length, length);
        Assert.Equal(content, decrypted.ToArray());
    }

    [Fact]
    public async Task LargePayload_IsStagedToItsBlobWhileWritten_AndStaysInvisibleUntilCommitted()
    {
        var content = RandomNumberGenerator.GetBytes(9 * MiB);
        var blob = Container.GetBlockBlobClient("staged.cpom");
        await using var pending = await Store.CreateAsync("staged.cpom");

        await WriteInPiecesAsync(pending.Content, content);

        // The two full blocks are already in Azure, uncommitted; the last, partial one waits in memory.
        var staged = await blob.GetBlockListAsync(BlockListTypes.Uncommitted);
        Assert.Equal(new long[] { AzureBlobPayloadStore.BlockSize, AzureBlobPayloadStore.BlockSize }, staged.Value.UncommittedBlocks.Select(b => b.SizeLong));
        Assert.False(await Store.ExistsAsync("staged.cpom"));
        Assert.False((await blob.ExistsAsync()).Value);
        Assert.Empty(await ListAsync());
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync("staged.cpom"));

        await pending.CommitAsync();

        Assert.Equal(content, await ReadAsync("staged.cpom"));
        var list = await blob.GetBlockListAsync(BlockListTypes.All);
        Assert.Equal(3, list.Value.CommittedBlocks.Count());
        Assert.Empty(list.Value.UncommittedBlocks);
    }

    [Fact]
    public async Task Disposed_LeavesOnlyInvisibleBlocks_WhichTheNextCommitOfTheNameDiscards()
    {
        var blob = Container.GetBlockBlobClient("abandoned.cpom");
        await using (var pending = await Store.CreateAsync("abandoned.cpom"))
        {
            await WriteInPiecesAsync(pending.Content, RandomNumberGenerator.GetBytes(9 * MiB));
        }

        Assert.False((await blob.ExistsAsync()).Value);
        Assert.Empty(await ListAsync());
        Assert.NotEmpty((await blob.GetBlockListAsync(BlockListTypes.Uncommitted)).Value.UncommittedBlocks);

        var content = RandomNumberGenerator.GetBytes(5 * MiB);
        await WriteAsync("abandoned.cpom", content);

        Assert.Equal(content, await ReadAsync("abandoned.cpom"));
        var list = await blob.GetBlockListAsync(BlockListTypes.All);
        Assert.Equal(2, list.Value.CommittedBlocks.Count());
        Assert.Empty(list.Value.UncommittedBlocks);
    }

    [Fact]
    public async Task Commit_AfterAnotherWriterCommittedTheName_WithOverwrite_FailsCleanly()
    {
        // Both stage blocks to one name; the first commit discards the other's uncommitted blocks.
        var first = RandomNumberGenerator.GetBytes(9 * MiB);
        await using var a = await Store.CreateAsync("rotated.cpom", overwrite: true);
        await using var b = await Store.CreateAsync("rotated.cpom", overwrite: true);
        await WriteInPiecesAsync(b.Content, RandomNumberGenerator.GetBytes(9 * MiB));
        await WriteInPiecesAsync(a.Content, first);
        await a.CommitAsync();

        await Assert.ThrowsAnyAsync<IOException>(() => b.CommitAsync());

        Assert.Equal(first, await ReadAsync("rotated.cpom"));
    }

    [Fact]
    public async Task Probe_LeavesNoBlobAtAll_NotEvenUncommittedBlocks()
    {
        await Store.ProbeAsync();

        var blobs = new List<string>();
        await foreach (var blob in Container.GetBlobsAsync(new GetBlobsOptions { States = BlobStates.All }))
        {
            blobs.Add(blob.Name);
        }
        Assert.Empty(blobs);
    }

    [Fact]
    public async Task BlocksOfTheLargePayload_AreOfOneSize_WithIdsOfOneLength()
    {
        await WriteAsync("blocks.cpom", RandomNumberGenerator.GetBytes(9 * 1024 * 1024));

        var list = await Container.GetBlockBlobClient("blocks.cpom").GetBlockListAsync(BlockListTypes.Committed);

        Assert.Equal(new long[] { AzureBlobPayloadStore.BlockSize, AzureBlobPayloadStore.BlockSize, 1024 * 1024 }, list.Value.CommittedBlocks.Select(b => b.SizeLong));
        Assert.Single(list.Value.CommittedBlocks.Select(b => b.Name.Length).Distinct());
    }

    [Theory]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1")]
    [InlineData("ftp://compte.blob.core.windows.net")]
    public async Task CreateAsync_WithANonHttpsServiceUri_IsRefused(string uri)
    {
        var options = new AzureBlobStorageOptions { ServiceUri = new Uri(uri), Container = _container };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => AzureBlobPayloadStore.CreateAsync(options, CancellationToken.None));

        Assert.Contains("doit être une URL absolue en https", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_WithoutAnAccount_OrWithBoth_IsRefused()
    {
        var neither = new AzureBlobStorageOptions { Container = _container };
        var both = new AzureBlobStorageOptions { Container = _container, ConnectionString = azurite.ConnectionString, ServiceUri = new Uri("https://compte.blob.core.windows.net") };

        var e1 = await Assert.ThrowsAsync<ArgumentException>(() => AzureBlobPayloadStore.CreateAsync(neither, CancellationToken.None));
        var e2 = await Assert.ThrowsAsync<ArgumentException>(() => AzureBlobPayloadStore.CreateAsync(both, CancellationToken.None));

        Assert.Contains("Storage:AzureBlob:ServiceUri", e1.Message, StringComparison.Ordinal);
        Assert.Contains("pas les deux", e2.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Azurite.AccountKey, e2.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AB")]
    [InlineData("Majuscules")]
    [InlineData("double--tiret")]
    [InlineData("-tiret")]
    public async Task CreateAsync_WithAnInvalidContainerName_IsRefused(string container)
    {
        var options = new AzureBlobStorageOptions { ConnectionString = azurite.ConnectionString, Container = container };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => AzureBlobPayloadStore.CreateAsync(options, CancellationToken.None));

        Assert.Contains("Storage:AzureBlob:Container", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_WithAMalformedConnectionString_IsRefused_WithoutRepeatingIt()
    {
        const string secret = "AccountKey=c2VjcmV0LWNsZQ==;pas une paire";
        var options = new AzureBlobStorageOptions { ConnectionString = secret, Container = _container };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => AzureBlobPayloadStore.CreateAsync(options, CancellationToken.None));

        Assert.Contains("chaîne de connexion", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", e.ToString(), StringComparison.Ordinal);
    }
}
