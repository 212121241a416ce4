using System.Text;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Csv;

namespace CpomExchange.Infrastructure.Tests.Payloads;

/// <summary>
/// A dataset's subject index written aside (<see cref="DatasetWriter.StartSubjects"/>, started by the upload
/// when its last row was read, while the duplicates are looked for): the same index as written at the end,
/// bound to the row; and a writer disposed without completing leaves no file and no one still reading the
/// subjects (the merge is stopped) (the sorter that gives them is disposed right after, its key zeroed).
/// </summary>
public sealed class SubjectIndexAsideTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("cpom-index-aside-");

    public void Dispose() => _home.Delete(recursive: true);

    private (FolderPayloadStore Store, LocalKeyProvider Keys) Open() =>
        (new FolderPayloadStore(Path.Combine(_home.FullName, "payloads")), new LocalKeyProvider(Path.Combine(_home.FullName, "keys")));

    private static DatasetEntity Row(string id) => new()
    {
        Id = id, Type = "adherents", FromOrganisation = "prevy", ToOrganisation = "carsat-lr", Purpose = "sinistralite", ContractId = "test",
        CreatedBy = "prevy-agent", Rows = 1, Sha256 = string.Empty, SourceSha256 = string.Empty, PayloadName = string.Empty, CreatedAtUtc = DateTime.UnixEpoch,
    };

    [Fact]
    public async Task StartedAside_FromSpilledRuns_IsReadBackAsTheSortedDistinctSubjects_OfThisRow()
    {
        var (store, keys) = Open();
        var random = new Random(17);
        var values = Enumerable.Range(0, 20_000).Select(_ => new UInt128((ulong)random.Next(5_000), (ulong)random.NextInt64())).ToList();
        // Repeated values too: the index holds each once.
        values.AddRange(values.Take(500));
        var id = OutgoingDataset.NewId();
        var row = Row(id);
        using var sorter = new ExternalSorter<UInt128>(runLength: 1_000, directory: Path.Combine(_home.FullName, "spill"));
        foreach (var value in values)
        {
            sorter.Add(value);
        }
        Assert.Equal(20, sorter.SpilledRuns);
        await using (var writer = await DatasetFiles.BeginAsync(store, keys, id, DatasetFiles.PayloadNameOf(id)))
        {
            writer.StartSubjects(sorter.Sorted());
            await writer.Content.WriteAsync(Encoding.UTF8.GetBytes("siret\r\n"));
            Assert.Equal([DatasetFiles.PayloadNameOf(id), DatasetFiles.SubjectsNameOf(DatasetFiles.PayloadNameOf(id))], await writer.CompleteAsync(row));
        }
        var expected = values.Distinct().Order().ToArray();
        Assert.Equal(expected.Length, (await DatasetFiles.ReadSubjectsAsync(store, keys, row)).Length);
        Assert.Equal(expected, await DatasetFiles.ReadSubjectsAsync(store, keys, row));
    }

    [Fact]
    public async Task StartedAside_ThenDisposedWithoutCompleting_LeavesNoFile_AndHasStoppedReadingTheSubjects()
    {
        var (store, keys) = Open();
        var id = OutgoingDataset.NewId();
        var subjects = new SlowSubjects(1_000_000);
        await using (var writer = await DatasetFiles.BeginAsync(store, keys, id, DatasetFiles.PayloadNameOf(id)))
        {
            writer.StartSubjects(subjects);
            await writer.Content.WriteAsync(Encoding.UTF8.GetBytes("siret\r\n"));
            // The upload was refused (an invalid file): the writer goes without completing.
            Assert.True(subjects.Started.Wait(TimeSpan.FromMinutes(1)));
        }
        Assert.False(subjects.Reading);
        Assert.Empty(await store.ListAsync().ToListAsync());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_home.FullName, "payloads", "tmp")));
    }

    [Fact]
    public async Task CompletedWithoutSubjects_IsRefused_AndWrittenTwice_IsRefused()
    {
        var (store, keys) = Open();
        var id = OutgoingDataset.NewId();
        await using var writer = await DatasetFiles.BeginAsync(store, keys, id, DatasetFiles.PayloadNameOf(id));
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CompleteAsync(Row(id)));
        writer.StartSubjects([]);
        Assert.Throws<InvalidOperationException>(() => writer.StartSubjects([]));
    }

    /// <summary>Sorted subjects given slowly (a large merge), which know whether their reader reached their end.</summary>
    private sealed class SlowSubjects(int count) : IEnumerable<UInt128>
    {
        public ManualResetEventSlim Started { get; } = new();

        public bool Reading { get; private set; }

        public IEnumerator<UInt128> GetEnumerator()
        {
            Reading = true;
            Started.Set();
            try
            {
                for (var i = 0; i < count; i++)
                {
                    if (i % 1_000 == 0)
                    {
                        Thread.Sleep(20);
                    }
                    yield return (UInt128)i;
                }
            }
            finally
            {
                Reading = false;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
