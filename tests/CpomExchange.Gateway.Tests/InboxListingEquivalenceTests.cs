using System.Text.Json;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The listing reads only the columns it shows, the API's inbox through a compiled query: what it
/// lists must be what the former query (whole rows, then <see cref="DatasetOperations.ToInfo"/>)
/// listed, for random rows with every optional column null or set, each filter and both sides.
/// </summary>
public sealed class InboxListingEquivalenceTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private static readonly string[] Statuses = [DatasetStatus.Available, DatasetStatus.Withdrawn, DatasetStatus.Expired];

    private static DatasetEntity RandomRow(Random random, string[] organisations, int index)
    {
        string? Maybe(string value) => random.Next(2) == 0 ? null : value;
        DateTime? MaybeAt() => random.Next(2) == 0 ? null : new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(random.Next(30_000_000));
        var from = organisations[random.Next(organisations.Length)];
        var to = organisations[random.Next(organisations.Length)];
        return new DatasetEntity
        {
            Id = $"eq-{index:D4}-{random.Next():x8}", Type = random.Next(3) switch { 0 => "adherents", 1 => "sinistralite", _ => "document" },
            FromOrganisation = from, ToOrganisation = to, Purpose = random.Next(2) == 0 ? "ciblage" : "sinistralite", Object = Maybe($"objet-{index}"),
            ContractId = $"contrat-{random.Next(3)}", CreatedBy = $"agent-{random.Next(5)}", Rows = random.NextInt64(0, 5_000_000),
            Sha256 = Convert.ToHexString(Guid.NewGuid().ToByteArray()), SourceSha256 = Convert.ToHexString(Guid.NewGuid().ToByteArray()),
            Length = random.NextInt64(0, 1L << 40), PayloadName = $"payload-{index}",
            // Seconds apart, never equal: the order of the newest first is then one order.
            CreatedAtUtc = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(index * 7 + random.Next(7)),
            ReplyTo = Maybe($"eq-reply-{index}"), AcknowledgedAtUtc = MaybeAt(), AcknowledgedBy = Maybe($"agent-{random.Next(5)}"), FirstDownloadedAtUtc = MaybeAt(),
            MaskedCells = random.NextInt64(0, 1000), Status = Statuses[random.Next(Statuses.Length)], ShreddedAtUtc = MaybeAt(), FilesDeletedAtUtc = MaybeAt(),
            PayloadKeyId = Maybe("key"), PayloadWrappedKey = random.Next(2) == 0 ? null : [1, 2, 3], SubjectsKeyId = Maybe("key"), SubjectsSha256 = Maybe("ab"),
            Title = Maybe($"Titre {index} « é »"), MediaType = Maybe("application/pdf"), Replaces = random.Next(4) == 0 ? $"eq-replaced-{index}" : null,
        };
    }

    [Fact]
    public async Task TheListedColumns_ListWhatTheWholeRowsListed()
    {
        var random = new Random(1717);
        var run = Guid.NewGuid().ToString("N")[..6];
        string[] organisations = [$"eq-a-{run}", $"eq-b-{run}", $"eq-c-{run}"];
        await using var db = await gateway.OpenDatabaseAsync();
        db.Datasets.AddRange(Enumerable.Range(0, 300).Select(i => RandomRow(random, organisations, i)));
        await db.SaveChangesAsync();

        DatasetFilter?[] filters =
        [
            null, new DatasetFilter(Type: "adherents"), new DatasetFilter(Counterpart: organisations[1]),
            new DatasetFilter(FromUtc: new DateTime(2026, 1, 1, 0, 10, 0, DateTimeKind.Utc), ToUtc: new DateTime(2026, 1, 1, 0, 20, 0, DateTimeKind.Utc)),
            .. Enum.GetValues<ReceivedState>().Select(s => new DatasetFilter(State: s)),
        ];
        var unfiltered = 0;
        foreach (var organisation in organisations)
        {
            foreach (var received in new[] { true, false })
            {
                foreach (var filter in filters)
                {
                    var query = received ? db.Datasets.AsNoTracking().Where(d => d.ToOrganisation == organisation) : db.Datasets.AsNoTracking().Where(d => d.FromOrganisation == organisation);
                    var former = (await DatasetStates.Apply(query, filter, received).OrderByDescending(d => d.CreatedAtUtc).Take(DatasetOperations.ListingLimit).ToListAsync())
                        .Select(DatasetOperations.ToInfo).ToList();
                    var listed = (await DatasetOperations.ListedRowsAsync(db, organisation, filter, received, CancellationToken.None)).Select(DatasetOperations.ToInfo).ToList();
                    Assert.Equal(JsonSerializer.Serialize(former), JsonSerializer.Serialize(listed));
                    unfiltered += filter is null ? listed.Count : 0;
                }
            }
        }
        // Without a filter every row is listed twice: in its recipient's inbox and its sender's outbox.
        Assert.Equal(600, unfiltered);
    }
}
