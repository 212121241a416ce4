using System.Text;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Rules.Tests.Csv;

/// <summary>The bounded-memory sort behind the SIRET uniqueness check of large files.</summary>
public sealed class ExternalSorterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpom-sorter-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(0, 100)]
    [InlineData(99, 100)]
    [InlineData(100, 100)]
    [InlineData(25_001, 1_000)]
    [InlineData(100_000, 4_096)]
    public void Sorted_GivesEveryValueInOrder_DuplicatesKept_WhateverTheRunsAndTheLastPartialRun(int count, int runLength)
    {
        var random = new Random(count);
        var values = Enumerable.Range(0, count).Select(_ => (UInt128)random.NextInt64(0, count / 3 + 1)).ToList();
        using var sorter = new ExternalSorter<UInt128>(runLength, _dir);
        foreach (var v in values)
        {
            sorter.Add(v);
        }
        Assert.Equal(count, sorter.Count);
        Assert.Equal(count / runLength - (count % runLength == 0 && count > 0 ? 1 : 0), sorter.SpilledRuns);
        Assert.Equal(values.Order(), sorter.Sorted());
    }

    [Fact]
    public void SpillFiles_ExistOnlyWhileTheSorterIsOpen_AndAreNotPlain()
    {
        var marker = 0x0102030405060708UL;
        using (var sorter = new ExternalSorter<ulong>(1_000, _dir))
        {
            for (var i = 0; i < 10_000; i++)
            {
                sorter.Add(marker);
            }
            Assert.Equal(9, sorter.SpilledRuns);
            var files = Directory.GetFiles(_dir);
            Assert.Equal(9, files.Length);
            // Each run of 1,000 values is 8,000 bytes of plain text: on disk it is encrypted, so the
            // marker's bytes never appear, and it is a little longer (nonce, tag and length per chunk).
            var plain = BitConverter.GetBytes(marker);
            foreach (var file in files)
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
                Assert.True(bytes.Length > 8_000);
                Assert.Equal(-1, bytes.AsSpan().IndexOf(plain));
            }
            Assert.Equal(10_000, sorter.Sorted().Count(v => v == marker));
        }
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task DuplicateSirets_InAFileLargerThanOneRun_AreReportedAtTheirLines_WithTheFirstLine()
    {
        // 300,000 rows (more than one run of 262,144): the sorted runs are spilled and merged.
        var schema = CpomExchange.Rules.Policies.PolicyLoader.Load(TestPaths.Policies).Exchanges["adherents"].Schema;
        var sirets = TestSirets.From().Take(300_000).ToList();
        sirets[299_990] = sirets[5];        // line 299,992 repeats line 7
        sirets[150_000] = sirets[149_999];  // line 150,002 repeats line 150,001
        var text = new StringBuilder("siret;raison_sociale\r\n");
        foreach (var siret in sirets)
        {
            text.Append(siret).Append(";X\r\n");
        }
        var result = await CsvIngestor.IngestAsync(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), schema, null,
            new CsvIngestOptions { SpillDirectory = _dir });
        Assert.Equal(2, result.ErrorCount);
        Assert.Equal([150_002L, 299_992L], result.Errors.Select(e => e.Line));
        Assert.All(result.Errors, e => Assert.Equal(ErrorCatalog.DuplicateSiret, e.Code));
        Assert.Equal("Ce SIRET figure déjà à la ligne 150001.", result.Errors[0].Reason);
        Assert.Equal("Ce SIRET figure déjà à la ligne 7.", result.Errors[1].Reason);
        Assert.Equal(sirets[5], result.Errors[1].Value);
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
