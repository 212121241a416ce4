using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CpomExchange.Gateway.Me;

/// <summary>What the caller may do: identity, organisation, roles and, per contract in force (or in its reporting period), the exchanges and purposes open to them.</summary>
public sealed record MeResponse(
    MeAgent Agent,
    MeOrganisation? Organisation,
    IReadOnlyList<MeContract> Contracts);

/// <summary>The authenticated agent.</summary>
public sealed record MeAgent(string Id, string Name, IReadOnlyList<string> Roles, string CertificateSha256);

/// <summary>The agent's organisation.</summary>
public sealed record MeOrganisation(string Id, string Kind, string Name, string Siren);

/// <summary>A contract in force (or in its reporting period after the term, until <paramref name="ReportingUntil"/>) and what it opens to the caller.</summary>
public sealed record MeContract(string Id, string Title, DateOnly Start, DateOnly End, IReadOnlyList<string> Volets, IReadOnlyList<MeExchange> Exchanges,
    DateOnly ReportingUntil);

/// <summary>One exchange with one counterpart: what the caller may do, for which purposes.</summary>
public sealed record MeExchange(string Type, string Label, string Counterpart, IReadOnlyList<string> Actions, IReadOnlyList<MePurpose> Purposes);

/// <summary>A purpose with its label and legal basis.</summary>
public sealed record MePurpose(string Code, string Label, string LegalBasis);

/// <summary><c>GET /api/v1/me</c>.</summary>
internal static class MeApi
{
    public static RouteGroupBuilder MapMeApi(this RouteGroupBuilder api)
    {
        api.MapGet("/me", Me);
        return api;
    }

    private static Ok<MeResponse> Me(HttpContext http, PolicySet policies, AccessDecisions decisions) =>
        TypedResults.Ok(Describe(Caller.From(http.User), policies, decisions.Today));

    /// <summary>
    /// What <paramref name="caller"/> may do on <paramref name="today"/>: every contract in force of its
    /// organisation and, per exchange and counterpart, the actions and purposes the policy allows.
    /// The API's <c>/me</c> and the console's pages both show this; each line is a policy decision.
    /// </summary>
    public static MeResponse Describe(Caller caller, PolicySet policies, DateOnly today)
    {
        var agent = new MeAgent(caller.AgentId, caller.DisplayName, caller.Roles, caller.Fingerprint);
        if (caller.Organisation is null || !policies.Organisations.TryGetValue(caller.Organisation, out var self))
        {
            return new MeResponse(agent, null, []);
        }
        var contracts = new List<MeContract>();
        foreach (var contract in policies.Contracts.Where(c => c.Parties.Contains(self.Id) && (c.InForce(today) || c.InReportingPeriod(today))))
        {
            var exchanges = new List<MeExchange>();
            foreach (var enabled in contract.Exchanges.Values)
            {
                var definition = policies.Exchanges[enabled.Type];
                foreach (var counterpart in contract.Parties.Where(p => p != self.Id))
                {
                    var actions = new List<string>();
                    var purposes = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var (action, name) in new[] { (DataAction.Send, "send"), (DataAction.List, "list"), (DataAction.Download, "download"), (DataAction.WithdrawConsent, "withdraw-consent") })
                    {
                        foreach (var purpose in enabled.Purposes)
                        {
                            var decision = AccessPolicy.Decide(policies, new AccessRequest(caller.Roles, self.Id, action, enabled.Type, counterpart, purpose, today));
                            // Under this contract: another one between the same parties may decide (the next, in force).
                            if (decision.Allowed && decision.Contract?.Id == contract.Id)
                            {
                                if (!actions.Contains(name))
                                {
                                    actions.Add(name);
                                }
                                purposes.Add(purpose);
                            }
                        }
                    }
                    if (actions.Count > 0)
                    {
                        exchanges.Add(new MeExchange(enabled.Type, definition.Label, counterpart, actions,
                            purposes.Order(StringComparer.Ordinal).Select(p => policies.Purposes[p]).Select(p => new MePurpose(p.Code, p.Label, p.LegalBasis.ToString())).ToList()));
                    }
                }
            }
            contracts.Add(new MeContract(contract.Id, contract.Title, contract.Start, contract.End, contract.Volets.Select(v => v.Label).ToList(), exchanges, contract.ReportingUntil));
        }
        return new MeResponse(agent, new MeOrganisation(self.Id, AccessPolicy.Label(self.Kind), self.Name, self.Siren), contracts);
    }
}
