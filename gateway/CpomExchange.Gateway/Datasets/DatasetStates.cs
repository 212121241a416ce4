using CpomExchange.Infrastructure.Storage;

namespace CpomExchange.Gateway.Datasets;

/// <summary>Where a received file stands for its recipient.</summary>
internal enum ReceivedState
{
    /// <summary>Available, neither downloaded nor acknowledged.</summary>
    New,

    /// <summary>Available, downloaded at least once, not acknowledged.</summary>
    Downloaded,

    /// <summary>Available, its receipt acknowledged.</summary>
    Acknowledged,

    /// <summary>Withdrawn by its sender: crypto-shredded.</summary>
    Withdrawn,

    /// <summary>Destroyed at the end of its retention period: crypto-shredded.</summary>
    Destroyed,
}

/// <summary>
/// Filters of a listing (inbox or outbox), applied in the database before the listing's limit: the
/// exchange, the counterpart (sender of a received file, recipient of a sent one), the period of
/// deposit (UTC bounds, end excluded) and the state.
/// </summary>
internal sealed record DatasetFilter(string? Type = null, string? Counterpart = null, DateTime? FromUtc = null, DateTime? ToUtc = null,
    ReceivedState? State = null);

/// <summary>The states of received files, from the dataset's status, receipt and first download.</summary>
internal static class DatasetStates
{
    /// <summary>The state of <paramref name="dataset"/> for its recipient: shredding first, then receipt, then download.</summary>
    public static ReceivedState Of(DatasetInfo dataset) => dataset.Status switch
    {
        DatasetStatus.Withdrawn => ReceivedState.Withdrawn,
        DatasetStatus.Expired => ReceivedState.Destroyed,
        _ when dataset.AcknowledgedAt is not null => ReceivedState.Acknowledged,
        _ when dataset.FirstDownloadedAt is not null => ReceivedState.Downloaded,
        _ => ReceivedState.New,
    };

    /// <summary>The French name of a state, as the contracts' vocabulary has it.</summary>
    public static string Label(ReceivedState state) => state switch
    {
        ReceivedState.New => "nouveau",
        ReceivedState.Downloaded => "téléchargé",
        ReceivedState.Acknowledged => "accusé",
        ReceivedState.Withdrawn => "retiré",
        _ => "détruit",
    };

    /// <summary>Reads a state from its French name (the console's filter), or null.</summary>
    public static ReceivedState? Parse(string? label) =>
        Enum.GetValues<ReceivedState>().Cast<ReceivedState?>().FirstOrDefault(s => Label(s!.Value) == label);

    /// <summary>Applies <paramref name="filter"/> to <paramref name="query"/>; <paramref name="received"/> says which side the counterpart is on.</summary>
    public static IQueryable<DatasetEntity> Apply(IQueryable<DatasetEntity> query, DatasetFilter? filter, bool received)
    {
        if (filter is null)
        {
            return query;
        }
        if (filter.Type is { } type)
        {
            query = query.Where(d => d.Type == type);
        }
        if (filter.Counterpart is { } counterpart)
        {
            query = received ? query.Where(d => d.FromOrganisation == counterpart) : query.Where(d => d.ToOrganisation == counterpart);
        }
        if (filter.FromUtc is { } from)
        {
            query = query.Where(d => d.CreatedAtUtc >= from);
        }
        if (filter.ToUtc is { } to)
        {
            query = query.Where(d => d.CreatedAtUtc < to);
        }
        return filter.State switch
        {
            ReceivedState.New => query.Where(d => d.Status == DatasetStatus.Available && d.AcknowledgedAtUtc == null && d.FirstDownloadedAtUtc == null),
            ReceivedState.Downloaded => query.Where(d => d.Status == DatasetStatus.Available && d.AcknowledgedAtUtc == null && d.FirstDownloadedAtUtc != null),
            ReceivedState.Acknowledged => query.Where(d => d.Status == DatasetStatus.Available && d.AcknowledgedAtUtc != null),
            ReceivedState.Withdrawn => query.Where(d => d.Status == DatasetStatus.Withdrawn),
            ReceivedState.Destroyed => query.Where(d => d.Status == DatasetStatus.Expired),
            _ => query,
        };
    }
}
