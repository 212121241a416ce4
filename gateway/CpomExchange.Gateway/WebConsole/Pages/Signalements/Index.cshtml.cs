using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Gateway.WebConsole.Pages.Signalements;

/// <summary>One listing of the signalements page.</summary>
internal sealed record SignalementListing(string Id, string Title, bool Received, IReadOnlyList<DatasetInfo> Datasets);

/// <summary>
/// Signalements: the signalements and retours the organisation received and sent, as the API's
/// <c>/inbox</c> and <c>/outbox</c> list them (the same operations, filtered by exchange in the
/// database, the same policy filtering and log entry per listing). Reserved to <c>pdp</c> and
/// <c>service-social</c> (<see cref="SignalementsPage"/>).
/// </summary>
internal sealed class IndexModel(DatasetOperations operations, PolicySet policies, AccessDecisions decisions, AccessJournal journal, CpomDbContext db)
    : SignalementsPage(journal, db)
{
    protected override string GuardAction => LogActions.List;

    public IReadOnlyList<SignalementListing> Listings { get; private set; } = [];

    public ConsoleLabels Labels { get; } = new(policies);

    public TimeZoneInfo Zone => decisions.Zone;

    public async Task OnGetAsync()
    {
        var listings = new List<SignalementListing>();
        foreach (var (id, title, type, received) in new[]
        {
            ("recus", "Signalements reçus", ReportingPolicy.Signalements, true),
            ("envoyes", "Signalements envoyés", ReportingPolicy.Signalements, false),
            ("retours-recus", "Retours reçus", Retours, true),
            ("retours-envoyes", "Retours envoyés", Retours, false),
        })
        {
            var filter = new DatasetFilter(Type: type);
            var listed = received ? await operations.InboxAsync(HttpContext, Purpose, null, filter) : await operations.OutboxAsync(HttpContext, Purpose, null, filter);
            if (listed.Refusal is { } refused)
            {
                Refuse(refused);
                return;
            }
            listings.Add(new SignalementListing(id, title, received, listed.Value!));
        }
        Listings = listings;
    }
}
