using System.Globalization;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Limits;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Pseudonymisation;
using CsvHelper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Datasets;

/// <summary>
/// <c>GET /api/v1/indicators?contract=&amp;year=</c>: a draft of the SPSTI's annual follow-up table
/// (seed 004 "Tableau de suivi annuel") computed from what went through the gateway: establishments
/// trained, accompanied, reached by communication (actions-entreprises sent by the SPSTI), "dont
/// suivis par la caisse" = those among the establishments the caisse targeted and sent to the SPSTI
/// (entreprises-ciblees), and the signalements sent and received. The SPSTI downloads it, corrects
/// it and uploads it as an <c>indicateurs</c> file; the DREETS only ever receives those aggregates.
/// </summary>
internal static class IndicatorsApi
{
    public static RouteGroupBuilder MapIndicatorsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/indicators", DraftAsync).LimitPerOrganisation(OrganisationWork.IndicatorsDraft);
        return api;
    }

    private static async Task<IResult> DraftAsync(
        [FromQuery] string? contract, [FromQuery] int? year, HttpContext http, PolicySet policies, AccessJournal journal,
        CpomDbContext db, IPayloadStore store, IKeyProvider keys, Pseudonymiser pseudonymiser)
    {
        var caller = Caller.From(http.User);
        var found = policies.Contracts.FirstOrDefault(c => c.Id == contract);
        if (found is null || year is not (>= 2000 and <= 2100))
        {
            return Problem.Of(400, ErrorCatalog.MissingParameter, "Indiquez un contrat (contract) et une année (year, AAAA).");
        }
        if (caller.Organisation != found.Spsti || !caller.Roles.Contains(Roles.Agent))
        {
            var refusal = Problem.Of(403, ErrorCatalog.RoleNotAllowed, $"Le tableau de suivi du contrat « {found.Id} » est établi par un agent de son SPSTI.");
            await journal.RecordAsync(http, caller, LogActions.IndicatorsDraft, "indicateurs", null, null, found.Spsti, "indicateurs", null, ErrorCatalog.RoleNotAllowed, []);
            return refusal;
        }
        var exchanges = policies.Exchanges;
        var targeted = new List<UInt128>();
        foreach (var id in await Ids(db, "entreprises-ciblees", found.Caisse, found.Spsti, null, http.RequestAborted))
        {
            targeted.AddRange(await SubjectIndex.ReadAsync(store, keys, id, http.RequestAborted));
        }
        var followed = SubjectIndex.Normalise(targeted);

        // theme -> (type_action -> establishments), each with "followed by the caisse" or not.
        var byTheme = new SortedDictionary<string, Dictionary<string, Dictionary<UInt128, bool>>>(StringComparer.Ordinal);
        foreach (var id in await Ids(db, "actions-entreprises", found.Spsti, found.Caisse, null, http.RequestAborted))
        {
            var rows = await ReadRowsAsync(store, keys, id, exchanges["actions-entreprises"].Schema, http.RequestAborted);
            foreach (var row in rows)
            {
                if (!row["date_action"].EndsWith(year.Value.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
                {
                    continue;
                }
                var key = pseudonymiser.Short(IdentifierKind.Siret, row["siret"]);
                var theme = byTheme.TryGetValue(row["theme"], out var t) ? t : byTheme[row["theme"]] = new(StringComparer.Ordinal);
                var set = theme.TryGetValue(row["type_action"], out var s) ? s : theme[row["type_action"]] = [];
                set[key] = Array.BinarySearch(followed, key) >= 0;
            }
        }
        var sent = await CountRowsAsync(db, "signalements-pdp", found.Spsti, found.Caisse, year.Value, http.RequestAborted);
        var received = await CountRowsAsync(db, "signalements-pdp", found.Caisse, found.Spsti, year.Value, http.RequestAborted);
        foreach (var volet in found.Volets.Where(v => exchanges["indicateurs"].Schema.Find("theme")!.Values!.Contains(v.Code)))
        {
            byTheme.TryAdd(volet.Code, new(StringComparer.Ordinal));
        }
        await journal.RecordAsync(http, caller, LogActions.IndicatorsDraft, "indicateurs", null, byTheme.Count, found.Caisse, "indicateurs", found.Id, null, []);

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"indicateurs-{found.Id}-{year}-brouillon.csv\"";
        await using var csv = CsvWriter.Create(http.Response.Body, CsvIngestor.OutputOptions, leaveOpen: true);
        csv.WriteHeader(exchanges["indicateurs"].Schema.Columns.Select(c => c.Name).ToArray());
        foreach (var (theme, actions) in byTheme)
        {
            string Count(string type, bool followedOnly) => actions.TryGetValue(type, out var set)
                ? set.Count(e => !followedOnly || e.Value).ToString(CultureInfo.InvariantCulture) : "0";
            var pdp = theme == "PDP";
            await csv.WriteRecordAsync([
                year.Value.ToString(CultureInfo.InvariantCulture), theme,
                Count("FORMATION", false), Count("FORMATION", true),
                Count("ACCOMPAGNEMENT", false), Count("ACCOMPAGNEMENT", true),
                Count("COMMUNICATION", false), Count("COMMUNICATION", true),
                pdp ? sent.ToString(CultureInfo.InvariantCulture) : string.Empty,
                pdp ? received.ToString(CultureInfo.InvariantCulture) : string.Empty,
                "Brouillon calculé par la passerelle : à vérifier et compléter avant envoi."], http.RequestAborted);
        }
        return Results.Empty;
    }

    private static Task<List<string>> Ids(CpomDbContext db, string type, string from, string to, int? year, CancellationToken cancellationToken) =>
        db.Datasets.AsNoTracking()
            .Where(d => d.Type == type && d.FromOrganisation == from && d.ToOrganisation == to && d.Status == DatasetStatus.Available)
            .Select(d => d.Id).ToListAsync(cancellationToken);

    private static async Task<long> CountRowsAsync(CpomDbContext db, string type, string from, string to, int year, CancellationToken cancellationToken)
    {
        var start = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var end = start.AddYears(1);
        return await db.Datasets.AsNoTracking()
            .Where(d => d.Type == type && d.FromOrganisation == from && d.ToOrganisation == to && d.CreatedAtUtc >= start && d.CreatedAtUtc < end)
            .SumAsync(d => d.Rows, cancellationToken);
    }

    /// <summary>Decrypts a stored dataset and reads its rows by column name (small files: the SPSTI's own actions).</summary>
    private static async Task<List<Dictionary<string, string>>> ReadRowsAsync(IPayloadStore store, IKeyProvider keys, string id, CsvSchema schema, CancellationToken cancellationToken)
    {
        using var plain = new MemoryStream();
        await using (var file = await store.OpenReadAsync(id + ".cpom", cancellationToken))
        {
            await PayloadCipher.DecryptAsync(file, plain, keys, cancellationToken: cancellationToken);
        }
        plain.Position = 0;
        var rows = new List<Dictionary<string, string>>();
        await CsvIngestor.IngestAsync(plain, schema, null, new CsvIngestOptions
        {
            OnRow = cells =>
            {
                rows.Add(schema.Columns.Select((c, i) => (c.Name, Value: cells[i])).ToDictionary(x => x.Name, x => x.Value, StringComparer.Ordinal));
                return ValueTask.CompletedTask;
            },
        }, cancellationToken);
        return rows;
    }
}
