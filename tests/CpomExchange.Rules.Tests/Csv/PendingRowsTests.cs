using System.Security.Cryptography;
using System.Text;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Identifiers;
using CpomExchange.Rules.Pseudonymisation;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Rules.Tests.Csv;

/// <summary>
/// The row loop pseudonymises the identifiers of up to <see cref="PendingRows.Batch"/> rows together
/// when there is no row check: each row must still get its own SIRET's pseudonym, every valid row
/// must be handed on in file order, and none after the first error, as when rows went one at a time.
/// </summary>
public sealed class PendingRowsTests
{
    private static readonly CsvSchema Adherents = CpomExchange.Rules.Policies.PolicyLoader.Load(CpomExchange.Tests.Shared.TestPaths.Policies).Exchanges["adherents"].Schema;

    private static string[] Sirets(int count)
    {
        var sirets = new string[count];
        for (var i = 0; i < count; i++)
        {
            sirets[i] = TestSirets.Numbered(i, 20_000_000);
            Assert.True(Siret.IsValid(sirets[i]), sirets[i]);
        }
        return sirets;
    }

    private static async Task<(CsvIngestResult Result, List<(long Line, string Siret, UInt128? Subject)> Rows)> IngestAsync(IEnumerable<string> sirets, Pseudonymiser pseudonymiser)
    {
        var text = new StringBuilder("siret;raison_sociale\r\n");
        foreach (var siret in sirets)
        {
            text.Append(siret).Append(";Atelier\r\n");
        }
        var column = Adherents.Columns.ToList().FindIndex(c => c.Name == "siret");
        var rows = new List<(long, string, UInt128?)>();
        var result = await CsvIngestor.IngestAsync(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), Adherents, null, new CsvIngestOptions
        {
            Pseudonymiser = pseudonymiser,
            OnRow = row =>
            {
                rows.Add((row.Line, row.Cells[column], row.Subject(column)));
                return ValueTask.CompletedTask;
            },
        });
        return (result, rows);
    }

    [Fact]
    public async Task Every_row_gets_its_own_sirets_pseudonym_across_batches_and_the_last_partial_one()
    {
        using var pseudonymiser = new Pseudonymiser(RandomNumberGenerator.GetBytes(32), 1);
        // 7 full batches and 11 rows more.
        var sirets = Sirets(7 * PendingRows.Batch + 11);

        var (result, rows) = await IngestAsync(sirets, pseudonymiser);

        Assert.True(result.IsValid, string.Join(" | ", result.Errors.Select(e => e.Reason)));
        Assert.Equal(sirets.Length, rows.Count);
        for (var i = 0; i < sirets.Length; i++)
        {
            Assert.Equal((i + 2L, sirets[i], (UInt128?)pseudonymiser.Short(IdentifierKind.Siret, sirets[i])), rows[i]);
        }
    }

    [Fact]
    public async Task The_rows_before_the_first_bad_line_are_handed_on_and_none_after_it()
    {
        using var pseudonymiser = new Pseudonymiser(RandomNumberGenerator.GetBytes(32), 1);
        var sirets = Sirets(100);
        sirets[49] = "12345678901234"; // line 51, a wrong key, in the middle of the second batch

        var (result, rows) = await IngestAsync(sirets, pseudonymiser);

        Assert.Equal(1, result.ErrorCount);
        Assert.Equal(51, Assert.Single(result.Errors).Line);
        Assert.Equal(Enumerable.Range(2, 49).Select(l => (long)l), rows.Select(r => r.Line));
        Assert.Equal(sirets.Take(49).Select(s => (UInt128?)pseudonymiser.Short(IdentifierKind.Siret, s)), rows.Select(r => r.Subject));
    }
}
