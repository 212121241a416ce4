using System.IO.Pipelines;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Indicators;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Pseudonymisation;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Indicators;

/// <summary>What the annual table was computed from.</summary>
/// <param name="Table">The establishment counts (empty when that section was not computed).</param>
/// <param name="Signalements">The signalements sent and received during the year, or null when not computed.</param>
/// <param name="FilesRead">Actions files read.</param>
/// <param name="FilesExcluded">Actions files withdrawn or destroyed: never read, never counted.</param>
/// <param name="RowsUnreadable">Stored action rows that no longer pass the catalogue's columns (skipped).</param>
/// <param name="Concerned">The other controllers whose data was read: the caisse, the recipients of the actions files.</param>
/// <param name="Computed">The values of the contract's computed indicators the caller may see, by code.</param>
internal sealed record AnnualTableSources(AnnualTable Table, (long Sent, long Received)? Signalements, int FilesRead, int FilesExcluded,
    long RowsUnreadable, IReadOnlyCollection<string> Concerned, IReadOnlyDictionary<string, long> Computed);

/// <summary>
/// Computes a year of a contract's annual table from the datasets of that contract (DOMAIN.md 8):
/// the actions the SPSTI reported (<c>actions-entreprises</c>, streamed row by row from each
/// available file: withdrawn or destroyed files never count), the establishments the caisse
/// targeted for it (<c>entreprises-ciblees</c> sent for <c>ciblage</c> before the year's end and
/// still available, from their subject indexes), and the signalements sent each way that year
/// (metadata only: row counts, the year cut in <c>Cpom:TimeZone</c>, withdrawn files left out).
/// </summary>
internal sealed class AnnualTableReader(CpomDbContext db, IPayloadStore store, IKeyProvider keys, Pseudonymiser pseudonymiser, PolicySet policies)
{
    /// <summary>The exchange the table counts actions from (001 art. 7, DOMAIN.md 6).</summary>
    public const string Actions = "actions-entreprises";

    /// <summary>The exchange of the caisse's targets ("dont ets suivis par la Caisse régionale", 004).</summary>
    public const string Targets = "entreprises-ciblees";

    /// <summary>The purpose the targets must have been sent for.</summary>
    public const string TargetsPurpose = "ciblage";

    public async Task<AnnualTableSources> ReadAsync(Contract contract, int year, TimeZoneInfo zone, bool establishments, bool signalements, CancellationToken cancellationToken)
    {
        var (startUtc, endUtc) = AnnualIndicators.UtcBounds(year, zone);
        var concerned = new HashSet<string>(StringComparer.Ordinal) { contract.Caisse };
        var filesRead = 0;
        var filesExcluded = 0;
        long unreadable = 0;
        AnnualTable table;
        if (establishments)
        {
            // "In force during that year": sent to this SPSTI under this contract by the year's end, not withdrawn or destroyed.
            var targets = await db.Datasets.AsNoTracking()
                .Where(d => d.Type == Targets && d.FromOrganisation == contract.Caisse && d.ToOrganisation == contract.Spsti && d.ContractId == contract.Id
                    && d.Purpose == TargetsPurpose && d.Status == DatasetStatus.Available && d.CreatedAtUtc < endUtc)
                .ToListAsync(cancellationToken);
            var followed = new List<UInt128>();
            foreach (var dataset in targets)
            {
                followed.AddRange(await StoredPayloads.ReadSubjectsAsync(store, keys, dataset, cancellationToken));
            }
            table = new AnnualTable(year, contract.Volets.Select(v => v.Code), SubjectIndex.Normalise(followed));

            var actions = await db.Datasets.AsNoTracking()
                .Where(d => d.Type == Actions && d.FromOrganisation == contract.Spsti && d.ContractId == contract.Id)
                .OrderBy(d => d.CreatedAtUtc).ToListAsync(cancellationToken);
            var schema = policies.Exchanges[Actions].Schema;
            var columns = schema.Columns.Select(c => c.Name).ToList();
            int siret = columns.IndexOf("siret"), type = columns.IndexOf("type_action"), theme = columns.IndexOf("theme"), date = columns.IndexOf("date_action");
            foreach (var dataset in actions)
            {
                if (dataset.Status != DatasetStatus.Available || !await StoredPayloads.ExistsAsync(store, dataset, cancellationToken))
                {
                    filesExcluded++;
                    continue;
                }
                filesRead++;
                concerned.Add(dataset.ToOrganisation);
                unreadable += await StreamRowsAsync(dataset, schema, cells =>
                {
                    table.AddAction(pseudonymiser.Short(IdentifierKind.Siret, cells[siret]), cells[type], cells[theme], cells[date]);
                    return ValueTask.CompletedTask;
                }, cancellationToken);
            }
        }
        else
        {
            table = new AnnualTable(year, [], []);
        }

        // Counted from the datasets' metadata: the rows of the files of an exchange sent one way under
        // this contract, stored during the year in local time, withdrawn files left out.
        Task<long> CountAsync(string type, string from, string to) => db.Datasets.AsNoTracking()
            .Where(d => d.Type == type && d.FromOrganisation == from && d.ToOrganisation == to && d.ContractId == contract.Id
                && d.Status != DatasetStatus.Withdrawn && d.CreatedAtUtc >= startUtc && d.CreatedAtUtc < endUtc)
            .SumAsync(d => d.Rows, cancellationToken);
        (long, long)? counts = null;
        if (signalements)
        {
            counts = (await CountAsync(ReportingPolicy.Signalements, contract.Spsti, contract.Caisse), await CountAsync(ReportingPolicy.Signalements, contract.Caisse, contract.Spsti));
        }
        var computed = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var indicator in contract.Indicators.Where(i => i.Formula is not null))
        {
            var formula = IndicatorFormulas.All[indicator.Formula!];
            if (formula.HealthData ? signalements : establishments)
            {
                computed[indicator.Code] = await CountAsync(formula.Exchange, IndicatorFormulas.PartyOf(contract, formula.From), IndicatorFormulas.PartyOf(contract, formula.To));
            }
        }
        return new AnnualTableSources(table, counts, filesRead, filesExcluded, unreadable, concerned, computed);
    }

    /// <summary>
    /// Reads a stored dataset row by row while it is decrypted: the plaintext goes through a pipe
    /// (a few segments at most in memory), never whole in memory. Returns the rows that failed the
    /// catalogue's columns (skipped).
    /// </summary>
    private async Task<long> StreamRowsAsync(DatasetEntity dataset, CsvSchema schema, Func<string[], ValueTask> onRow, CancellationToken cancellationToken)
    {
        var pipe = new Pipe();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var decrypting = DecryptAsync();
        try
        {
            var result = await CsvIngestor.IngestAsync(pipe.Reader.AsStream(), schema, null,
                new CsvIngestOptions { MaxRows = long.MaxValue, OnRow = row => onRow(row.Cells) }, stop.Token);
            await decrypting;
            return result.ErrorCount;
        }
        finally
        {
            // The reader failed or finished: the decryption stops too, and its error (if any) is the one surfaced.
            await stop.CancelAsync();
            await pipe.Reader.CompleteAsync();
            await decrypting; // never throws: its error went to the reader
        }

        async Task DecryptAsync()
        {
            try
            {
                await StoredPayloads.DecryptAsync(store, keys, dataset, pipe.Writer.AsStream(leaveOpen: true), stop.Token);
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception e)
            {
                // Handed to the reader, which throws it (a corrupted payload, the key provider down).
                await pipe.Writer.CompleteAsync(e);
            }
        }
    }
}
