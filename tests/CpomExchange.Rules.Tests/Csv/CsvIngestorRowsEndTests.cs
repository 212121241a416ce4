using System.Text;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Rules.Tests.Csv;

/// <summary>
/// <see cref="CsvIngestOptions.OnRowsEnd"/>, where the upload starts writing its subject indexes aside:
/// once, after the last row was handed to <see cref="CsvIngestOptions.OnRow"/> (no subject may come
/// after it), also for a file the duplicate SIRETs then refuse; not for a file whose rows were not read.
/// </summary>
public sealed class CsvIngestorRowsEndTests
{
    private static readonly CsvSchema Adherents = CpomExchange.Rules.Policies.PolicyLoader.Load(CpomExchange.Tests.Shared.TestPaths.Policies).Exchanges["adherents"].Schema;

    private static MemoryStream File(int rows, bool header = true, int duplicateAt = -1)
    {
        var text = new StringBuilder(header ? "siret;raison_sociale;code_naf;effectif;code_postal\r\n" : string.Empty);
        for (var i = 0; i < rows; i++)
        {
            text.Append(TestSirets.Numbered(i == duplicateAt ? 0 : i)).Append(";Atelier ").Append(i).Append(";56.10A;12;53000\r\n");
        }
        return new MemoryStream(Encoding.UTF8.GetBytes(text.ToString()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Called_once_after_the_last_row_was_handed_on(bool oneStage)
    {
        var rows = (3 * CsvIngestor.RowsPerBatch) + 17;
        long handed = 0;
        var ends = new List<long>();
        var result = await CsvIngestor.IngestAsync(File(rows), Adherents, null, new CsvIngestOptions
        {
            OneStage = oneStage,
            OnRow = _ =>
            {
                Interlocked.Increment(ref handed);
                return ValueTask.CompletedTask;
            },
            OnRowsEnd = () => ends.Add(Interlocked.Read(ref handed)),
        });

        Assert.True(result.IsValid);
        Assert.Equal(rows, result.Rows);
        Assert.Equal([(long)rows], ends);
    }

    [Fact]
    public async Task Called_also_for_a_file_refused_at_its_end_for_a_duplicate_SIRET()
    {
        var errorsAtEnd = new List<int>();
        var result = await CsvIngestor.IngestAsync(File(50, duplicateAt: 40), Adherents, null, new CsvIngestOptions
        {
            OnRowsEnd = () => errorsAtEnd.Add(0),
        });

        Assert.Equal([0], errorsAtEnd);
        Assert.False(result.IsValid);
        Assert.Equal(ErrorCatalog.DuplicateSiret, Assert.Single(result.Errors).Code);
    }

    [Fact]
    public async Task Not_called_when_the_header_is_wrong()
    {
        var ends = 0;
        var result = await CsvIngestor.IngestAsync(File(10, header: false), Adherents, null, new CsvIngestOptions
        {
            OnRowsEnd = () => ends++,
        });

        Assert.False(result.IsValid);
        Assert.Equal(0, ends);
    }
}
