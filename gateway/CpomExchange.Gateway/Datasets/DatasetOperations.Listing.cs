using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using CpomExchange.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace CpomExchange.Gateway.Datasets;

/// <summary>
/// The rows of a listing: only the columns <see cref="DatasetOperations.ToInfo"/> shows (never the
/// wrapped keys, the payload's name or the creator), untracked, newest first. The API's inbox, the
/// hottest read of the gateway (B4 in BENCHMARKS.md), is one compiled query; the console's filtered
/// listings and the outbox compose the same projection.
/// </summary>
internal sealed partial class DatasetOperations
{
    /// <summary>The listed columns; what <see cref="DatasetOperations.ToInfo"/> does not read is left empty.</summary>
    private static readonly Expression<Func<DatasetEntity, DatasetEntity>> Listed = d => new DatasetEntity
    {
        Id = d.Id, Type = d.Type, FromOrganisation = d.FromOrganisation, ToOrganisation = d.ToOrganisation, Purpose = d.Purpose, Object = d.Object,
        Rows = d.Rows, Sha256 = d.Sha256, Length = d.Length, ContractId = d.ContractId, CreatedAtUtc = d.CreatedAtUtc, Status = d.Status,
        ShreddedAtUtc = d.ShreddedAtUtc, ReplyTo = d.ReplyTo, MaskedCells = d.MaskedCells, AcknowledgedAtUtc = d.AcknowledgedAtUtc,
        AcknowledgedBy = d.AcknowledgedBy, FirstDownloadedAtUtc = d.FirstDownloadedAtUtc, Title = d.Title, MediaType = d.MediaType, Replaces = d.Replaces,
        CreatedBy = "", SourceSha256 = "", PayloadName = "",
    };

    /// <summary>
    /// The inbox without a filter (the API's), compiled once per model: EF Core binds a compiled query
    /// to the model of the first context it runs with and refuses another (several gateways, or a
    /// gateway and a tool, may share a process). <see cref="Listed"/> is written out: a compiled query
    /// takes no expression from outside.
    /// </summary>
    private static readonly ConditionalWeakTable<IModel, Func<CpomDbContext, string, IAsyncEnumerable<DatasetEntity>>> Inboxes = [];

    private static Func<CpomDbContext, string, IAsyncEnumerable<DatasetEntity>> CompileInbox() => EF.CompileAsyncQuery((CpomDbContext db, string organisation) =>
        db.Datasets.AsNoTracking().Where(d => d.ToOrganisation == organisation).OrderByDescending(d => d.CreatedAtUtc).Take(ListingLimit).Select(d => new DatasetEntity
        {
            Id = d.Id, Type = d.Type, FromOrganisation = d.FromOrganisation, ToOrganisation = d.ToOrganisation, Purpose = d.Purpose, Object = d.Object,
            Rows = d.Rows, Sha256 = d.Sha256, Length = d.Length, ContractId = d.ContractId, CreatedAtUtc = d.CreatedAtUtc, Status = d.Status,
            ShreddedAtUtc = d.ShreddedAtUtc, ReplyTo = d.ReplyTo, MaskedCells = d.MaskedCells, AcknowledgedAtUtc = d.AcknowledgedAtUtc,
            AcknowledgedBy = d.AcknowledgedBy, FirstDownloadedAtUtc = d.FirstDownloadedAtUtc, Title = d.Title, MediaType = d.MediaType, Replaces = d.Replaces,
            CreatedBy = "", SourceSha256 = "", PayloadName = "",
        }));

    /// <summary>The rows a listing of <paramref name="organisation"/> shows, newest first, at most <see cref="ListingLimit"/>.</summary>
    internal static async Task<List<DatasetEntity>> ListedRowsAsync(CpomDbContext db, string organisation, DatasetFilter? filter, bool received,
        CancellationToken cancellationToken)
    {
        if (received && filter is null)
        {
            var rows = new List<DatasetEntity>();
            await foreach (var row in Inboxes.GetValue(db.Model, _ => CompileInbox())(db, organisation).WithCancellation(cancellationToken))
            {
                rows.Add(row);
            }
            return rows;
        }
        var query = received
            ? db.Datasets.AsNoTracking().Where(d => d.ToOrganisation == organisation)
            : db.Datasets.AsNoTracking().Where(d => d.FromOrganisation == organisation);
        return await DatasetStates.Apply(query, filter, received).OrderByDescending(d => d.CreatedAtUtc).Take(ListingLimit).Select(Listed)
            .ToListAsync(cancellationToken);
    }
}
