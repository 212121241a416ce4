using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.PolicyHistory;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Gateway.Registre;

/// <summary>An authorisation as the administration API shows it once recorded.</summary>
/// <param name="Reference">The reference of the exchange of letters.</param>
/// <param name="Date">The first day the disclosure is allowed.</param>
/// <param name="Until">The last day it is allowed.</param>
/// <param name="Contract">The contract whose data is disclosed.</param>
/// <param name="From">The party that discloses.</param>
/// <param name="To">The third party.</param>
/// <param name="Exchanges">The dataset types.</param>
/// <param name="Purpose">The one purpose.</param>
/// <param name="Note">The note, if any.</param>
/// <param name="AddedBy">The administrator who recorded it.</param>
/// <param name="Policy">The hash of the policy version it made.</param>
/// <param name="LoggedUnder">The controllers under whose logs the addition is written.</param>
public sealed record AuthorisationAnswer(string Reference, DateOnly Date, DateOnly Until, string Contract, string From, string To, IReadOnlyList<string> Exchanges,
    string Purpose, string? Note, string? AddedBy, string Policy, IReadOnlyList<string> LoggedUnder);

/// <summary>
/// Records a third-party authorisation (seed 001 art. 8) for an administrator: checked by the rules
/// (<see cref="AdministeredAuthorisations"/>), appended to the policy as a new version of the history, logged
/// under every controller concerned (each party of the contract whose data it is, and the third party) in the
/// same transaction, then in force for the next decision. A refusal changes nothing and is logged under the
/// caller's organisation and the would-be discloser.
/// </summary>
internal sealed partial class AuthorisationService(CpomDbContext db, PolicyState state, AccessJournal journal, AccessDecisions decisions, TimeProvider time,
    ILogger<AuthorisationService> logger)
{
    /// <summary>The refusal of a caller who is not an administrator, or null.</summary>
    public static Refusal? NotAdmin(Caller caller) => caller.Roles.Contains(Roles.Admin)
        ? null
        : new Refusal(ErrorCatalog.RoleNotAllowed, "L'enregistrement d'une autorisation de communication à un tiers est réservé au rôle admin.");

    /// <summary>The authorisations in force on this instance, the folder's and the administered ones.</summary>
    public Outcome<IReadOnlyList<ThirdPartyAuthorisation>> List(Caller caller) =>
        NotAdmin(caller) is { } forbidden ? forbidden : Outcome<IReadOnlyList<ThirdPartyAuthorisation>>.Ok(state.Current.Authorisations);

    public async Task<Outcome<AuthorisationAnswer>> AddAsync(HttpContext http, Caller caller, AuthorisationProposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        if (NotAdmin(caller) is { } forbidden)
        {
            await LogRefusalAsync(http, caller, proposal, forbidden.Code);
            return forbidden;
        }
        var now = time.GetUtcNow();
        AuthorisationAddition? added;
        Refusal? refusal;
        IReadOnlyList<string> controllers = [];
        await using (var transaction = await CpomDatabase.BeginWriteAsync(db, http.RequestAborted))
        {
            // Under the history's lock: two additions at once (on two instances) each see the other's.
            await PolicyHistoryStore.LockAsync(db, http.RequestAborted);
            var administered = await PolicyHistoryStore.AdministeredAsync(db, http.RequestAborted);
            (added, refusal) = AdministeredAuthorisations.Add(state.Folder, administered, proposal, caller.Organisation, caller.AgentId, now, decisions.Today);
            if (added is not null)
            {
                var a = added.Authorisation;
                await PolicyHistoryStore.AppendAsync(db, added.Policies, caller.AgentId, Environment.MachineName, now, http.RequestAborted);
                controllers = added.Policies.Contracts.Single(c => c.Id == a.Contract).Parties.Append(a.ThirdParty).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                await journal.RecordAsync(http, caller, LogActions.AdminChange, a.Exchanges.Count == 1 ? a.Exchanges[0] : null, null, null, a.ThirdParty, a.Purpose,
                    Object(a.Reference), null, controllers, added.Policies.Hash);
                await transaction.CommitAsync(http.RequestAborted);
            }
        }
        if (added is null)
        {
            await LogRefusalAsync(http, caller, proposal, refusal!.Code);
            return refusal;
        }
        state.Set(added.Policies);
        var x = added.Authorisation;
        LogAdded(logger, caller.AgentId, x.Reference, x.Discloser, x.ThirdParty, PolicyFiles.Short(added.Policies.Hash));
        return new AuthorisationAnswer(x.Reference, x.Date, x.Until, x.Contract, x.Discloser, x.ThirdParty, x.Exchanges, x.Purpose, x.Note, x.AddedBy,
            added.Policies.Hash, controllers);
    }

    private Task LogRefusalAsync(HttpContext http, Caller caller, AuthorisationProposal proposal, string code)
    {
        var policies = state.Current;
        // The organisation whose data the refused authorisation would have disclosed sees the attempt.
        IReadOnlyCollection<string> concerned = proposal.From is { } from && policies.Organisations.ContainsKey(from) ? [from] : [];
        return journal.RecordAsync(http, caller, LogActions.AdminChange, null, null, null, null, null, Object(proposal.Reference ?? "?"), code, concerned);
    }

    private static string Object(string reference) => "autorisation " + (reference.Length > 60 ? reference[..60] : reference);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Information, Message = "Autorisation de communication à un tiers « {Reference} » enregistrée par {AdminId} : de {From} à {To} ; politique {Hash}.")]
    private static partial void LogAdded(ILogger logger, string adminId, string reference, string from, string to, string hash);
}
