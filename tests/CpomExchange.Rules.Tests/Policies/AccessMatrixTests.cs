using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Tests.Policies;

/// <summary>
/// The access matrix: roles × organisations × exchanges × purposes × dates, checked against a
/// specification written here independently of the policy files, from DOMAIN.md's tables: which
/// kind sends each exchange to which, which roles touch it, for which purposes, and which exchanges
/// each seed contract names. Every row checks every ordered pair of organisations, both actions,
/// every purpose and five days (in force, the day before the term, the day after, the last day of
/// the reporting period and the day after it).
/// </summary>
public sealed class AccessMatrixTests
{
    private static readonly PolicySet Policies = PolicyLoader.Load(PolicyLoaderTests.RepositoryPolicies);

    private const string S = "SPSTI", C = "CAISSE", D = "DREETS";

    // DOMAIN.md "The exchanges the contracts require": direction, roles and purposes.
    private static readonly Dictionary<string, (string[] From, string[] To, string[] Roles, string[] Purposes)> Catalogue = new()
    {
        ["adherents"] = ([S], [C], ["agent"], ["sinistralite", "ciblage"]),
        ["sinistralite"] = ([C], [S], ["agent"], ["sinistralite"]),
        ["entreprises-ciblees"] = ([C], [S], ["agent"], ["ciblage"]),
        ["suivi-entreprises"] = ([S], [C], ["agent"], ["ciblage"]),
        ["alertes-risque"] = ([S], [C], ["agent"], ["alerte-risque"]),
        // 001 art. 7: the cocontractants, the DREETS among them, where a contract says so.
        ["actions-entreprises"] = ([S, C], [C, S, D], ["agent"], ["information-actions"]),
        ["signalements-pdp"] = ([S, C], [C, S], ["pdp", "service-social"], ["pdp"]),
        ["retour-signalement"] = ([S, C], [C, S], ["pdp", "service-social"], ["pdp"]),
        ["indicateurs"] = ([S], [D, C], ["agent"], ["indicateurs"]),
        // DOMAIN.md 11-13 (issue 22 parts 3-5).
        ["entreprises-forte-sinistralite"] = ([C], [S], ["agent"], ["ciblage"]),
        ["cible-spsti"] = ([S], [C], ["agent"], ["ciblage"]),
        ["suite-alerte"] = ([C], [S], ["agent"], ["alerte-risque"]),
        // DOMAIN.md "Documents, not tables": between the parties of a contract, any direction but to oneself's kind.
        ["document"] = ([S, C, D], [S, C, D], ["agent"], ["documents-cpom"]),
        // DOMAIN.md 9 and 10: aggregates for the diagnosis.
        ["statistiques-sinistralite"] = ([C], [S, D], ["agent"], ["diagnostic"]),
        ["statistiques-dreets"] = ([D], [S, C], ["agent"], ["diagnostic"]),
    };

    // DOMAIN.md "The contracts in the seeds" (terms: see policies/contracts for the dates chosen).
    private static readonly (string Id, string Spsti, string Caisse, string Dreets, DateOnly Start, DateOnly End, Dictionary<string, string[]> Exchanges)[] Contracts =
    [
        ("cpom-cist971-2025", "cist971", "cgss-guadeloupe", "deets-guadeloupe", new(2025, 1, 1), new(2029, 12, 31), new()
        {
            ["adherents"] = ["ciblage"], ["entreprises-ciblees"] = ["ciblage"], ["signalements-pdp"] = ["pdp"], ["retour-signalement"] = ["pdp"], ["indicateurs"] = ["indicateurs"],
            ["document"] = ["documents-cpom"],
            // 000 III: "Mettre à disposition des statistiques annuelles relatives aux risques professionnels".
            ["statistiques-sinistralite"] = ["diagnostic"],
        }),
        ("cpom-prevy-2025", "prevy", "carsat-lr", "dreets-occitanie", new(2025, 1, 22), new(2030, 1, 22), new()
        {
            ["adherents"] = ["sinistralite", "ciblage"], ["sinistralite"] = ["sinistralite"], ["entreprises-ciblees"] = ["ciblage"],
            ["actions-entreprises"] = ["information-actions"], ["indicateurs"] = ["indicateurs"],
            ["document"] = ["documents-cpom"],
            // 001: "données statistiques sur l'emploi et les entreprises et sur la santé au travail détenues par la DREETS".
            ["statistiques-dreets"] = ["diagnostic"],
        }),
        ("cpom-satm-2025", "satm", "carsat-pdl", "dreets-pdl", new(2025, 3, 27), new(2029, 3, 26), new()
        {
            ["adherents"] = ["sinistralite"], ["sinistralite"] = ["sinistralite"], ["signalements-pdp"] = ["pdp"], ["retour-signalement"] = ["pdp"], ["indicateurs"] = ["indicateurs"],
            ["document"] = ["documents-cpom"],
            // 002 §3.2 (statistics by sector) and §3.3 (SUMER, EVREST, MCP).
            ["statistiques-sinistralite"] = ["diagnostic"], ["statistiques-dreets"] = ["diagnostic"],
        }),
        ("cpom-pst38-2025", "pst38", "carsat-ra", "dreets-aura", new(2025, 7, 30), new(2030, 7, 29), new()
        {
            ["adherents"] = ["ciblage"], ["entreprises-ciblees"] = ["ciblage"], ["suivi-entreprises"] = ["ciblage"], ["alertes-risque"] = ["alerte-risque"],
            ["signalements-pdp"] = ["pdp"], ["retour-signalement"] = ["pdp"], ["actions-entreprises"] = ["information-actions"], ["indicateurs"] = ["indicateurs"],
            // 004 fiche action 1 (forte sinistralité), fiche action 2 actions 2-3 (cible-spsti), "Engagements communs" (suite of an alert).
            ["entreprises-forte-sinistralite"] = ["ciblage"], ["cible-spsti"] = ["ciblage"], ["suite-alerte"] = ["alerte-risque"],
            ["document"] = ["documents-cpom"],
            // 004 art. 4 (the Carsat's statistics, by sector and area) and the Dreets's E.S.E. data.
            ["statistiques-sinistralite"] = ["diagnostic"], ["statistiques-dreets"] = ["diagnostic"],
        }),
    ];

    // Exchanges that reach a DREETS though they are not aggregates: only under the contracts named here (001 art. 7).
    private static readonly HashSet<(string Contract, string Exchange)> CompanyListsToDreets = [("cpom-prevy-2025", "actions-entreprises")];

    // Documents reach the DREETS where the seed names a review or results for the three parties (000 volet 1, 001 art. 11, 002 §3.1 and §4), not under 004.
    private static readonly HashSet<(string Contract, string Exchange)> DocumentsToDreets =
        [("cpom-cist971-2025", "document"), ("cpom-prevy-2025", "document"), ("cpom-satm-2025", "document")];
    // Aggregates a DREETS receives under every contract that names them (no seed sends it the caisse's statistics).
    private static readonly HashSet<string> AggregatesToDreets = ["indicateurs"];

    // Reports (DOMAIN.md 8): the annual table, and the documents that carry the final review and results
    // (001 art. 11, 002 §4), may still be sent until 30 June after the term.
    private static readonly HashSet<string> Reports = ["indicateurs", "document"];

    private static DateOnly ReportingUntil(DateOnly end) => new DateOnly(end.Year, 6, 30) > end ? new DateOnly(end.Year, 6, 30) : new DateOnly(end.Year + 1, 6, 30);

    private static readonly string[] AllPurposes = ["sinistralite", "ciblage", "alerte-risque", "information-actions", "pdp", "indicateurs", "diagnostic", "documents-cpom", "marketing"];

    private static string KindOf(string org) => Policies.Organisations[org].Kind switch
    {
        OrganisationKind.Spsti => S,
        OrganisationKind.Caisse => C,
        _ => D,
    };

    /// <summary>The specification: null when allowed, else the reason code.</summary>
    private static string? Expected(string role, string self, DataAction action, string exchange, string other, string? purpose, DateOnly day)
    {
        var (from, to, roles, purposes) = Catalogue[exchange];
        var roleFits = role switch { "pdp" => KindOf(self) == S, "service-social" => KindOf(self) == C, _ => true };
        if (!roleFits || !roles.Contains(role))
        {
            return "policy.role-not-allowed";
        }
        var (sender, recipient) = action == DataAction.Send ? (self, other) : (other, self);
        if (KindOf(sender) == KindOf(recipient) || !from.Contains(KindOf(sender)) || !to.Contains(KindOf(recipient)))
        {
            return "policy.direction-not-allowed";
        }
        if (purpose is null)
        {
            return "request.missing-purpose";
        }
        if (!purposes.Contains(purpose))
        {
            return "policy.purpose-not-allowed";
        }
        var binding = Contracts.Where(c => new[] { c.Spsti, c.Caisse, c.Dreets }.Contains(self) && new[] { c.Spsti, c.Caisse, c.Dreets }.Contains(other)).ToList();
        if (binding.Count == 0)
        {
            return "policy.no-contract";
        }
        var inForce = binding.Where(c => (c.Start <= day && day <= c.End) || (Reports.Contains(exchange) && c.End < day && day <= ReportingUntil(c.End))).ToList();
        if (inForce.Count == 0)
        {
            return "policy.contract-not-in-force";
        }
        var contract = inForce[0];
        if (!contract.Exchanges.TryGetValue(exchange, out var contractPurposes))
        {
            return "policy.exchange-not-in-contract";
        }
        if (KindOf(recipient) == D && !AggregatesToDreets.Contains(exchange) && !CompanyListsToDreets.Contains((contract.Id, exchange)) && !DocumentsToDreets.Contains((contract.Id, exchange)))
        {
            return "policy.direction-not-allowed";
        }
        // Documents circulate among the parties the contract names, both ways: under 004, not from the DREETS either.
        if (exchange == "document" && KindOf(sender) == D && !DocumentsToDreets.Contains((contract.Id, exchange)))
        {
            return "policy.direction-not-allowed";
        }
        return contractPurposes.Contains(purpose) ? null : "policy.purpose-not-allowed";
    }

    public static TheoryData<string, string, string, DataAction> Rows()
    {
        var rows = new TheoryData<string, string, string, DataAction>();
        foreach (var contract in Contracts)
        {
            foreach (var exchange in Catalogue.Keys)
            {
                foreach (var role in Roles.All)
                {
                    foreach (var action in new[] { DataAction.Send, DataAction.Download })
                    {
                        rows.Add(contract.Id, exchange, role, action);
                    }
                }
            }
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Decision_FollowsTheSpecification(string contractId, string exchange, string role, DataAction action)
    {
        var contract = Contracts.Single(c => c.Id == contractId);
        string[] parties = [contract.Spsti, contract.Caisse, contract.Dreets];
        // Every organisation of this contract against every organisation of the gateway: parties
        // of this contract, and outsiders (no contract between them).
        var checkedCases = 0;
        foreach (var self in parties)
        {
            foreach (var other in Policies.Organisations.Keys.Where(o => o != self))
            {
                foreach (var purpose in AllPurposes.Append(null))
                {
                    foreach (var day in new[] { contract.Start.AddDays(1), contract.Start.AddDays(-1), contract.End.AddDays(1), ReportingUntil(contract.End), ReportingUntil(contract.End).AddDays(1) })
                    {
                        var expected = Expected(role, self, action, exchange, other, purpose, day);
                        var decision = AccessPolicy.Decide(Policies, new AccessRequest([role], self, action, exchange, other, purpose, day));
                        Assert.True(expected == decision.Code,
                            $"{role} of {self} {action} {exchange} with {other} for {purpose ?? "(none)"} on {day:yyyy-MM-dd}: expected {expected ?? "allowed"}, got {decision.Code ?? "allowed"} ({decision.Message})");
                        Assert.Equal(expected is null, decision.Allowed);
                        Assert.False(string.IsNullOrWhiteSpace(decision.Message));
                        checkedCases++;
                    }
                }
            }
        }
        Assert.True(checkedCases > 500);
    }

    [Fact]
    public void TheMatrix_AllowsSomethingUnderEveryContract_AndRefusesMostThings()
    {
        foreach (var contract in Contracts)
        {
            var allowed = contract.Exchanges.Keys.Count(exchange => Catalogue[exchange].Roles.Any(role =>
                new[] { contract.Spsti, contract.Caisse, contract.Dreets }.Any(self =>
                    new[] { contract.Spsti, contract.Caisse, contract.Dreets }.Any(other => self != other &&
                        AccessPolicy.Decide(Policies, new AccessRequest([role], self, DataAction.Send, exchange, other, contract.Exchanges[exchange][0], contract.Start)).Allowed))));
            Assert.Equal(contract.Exchanges.Count, allowed);
        }
    }

    [Theory]
    [InlineData("prevy", "agent", DataAction.Send, "adherents", "carsat-lr", "sinistralite", null)]
    [InlineData("satm", "agent", DataAction.Send, "adherents", "carsat-lr", "sinistralite", "policy.no-contract")]
    [InlineData("dreets-occitanie", "agent", DataAction.Download, "adherents", "prevy", "sinistralite", "policy.direction-not-allowed")]
    [InlineData("prevy", "dpo", DataAction.Send, "adherents", "carsat-lr", "sinistralite", "policy.role-not-allowed")]
    [InlineData("carsat-lr", "admin", DataAction.Download, "adherents", "prevy", "sinistralite", "policy.role-not-allowed")]
    [InlineData("prevy", "agent", DataAction.Send, "signalements-pdp", "carsat-lr", "pdp", "policy.role-not-allowed")]
    [InlineData("cist971", "pdp", DataAction.Send, "signalements-pdp", "cgss-guadeloupe", "pdp", null)]
    [InlineData("cgss-guadeloupe", "service-social", DataAction.Send, "retour-signalement", "cist971", "pdp", null)]
    [InlineData("cgss-guadeloupe", "pdp", DataAction.Send, "retour-signalement", "cist971", "pdp", "policy.role-not-allowed")]
    [InlineData("cist971", "pdp", DataAction.Send, "signalements-pdp", "deets-guadeloupe", "pdp", "policy.direction-not-allowed")]
    [InlineData("prevy", "pdp", DataAction.Send, "signalements-pdp", "carsat-lr", "pdp", "policy.exchange-not-in-contract")]
    [InlineData("pst38", "agent", DataAction.Send, "indicateurs", "dreets-aura", "indicateurs", null)]
    [InlineData("dreets-aura", "agent", DataAction.Download, "indicateurs", "pst38", "indicateurs", null)]
    [InlineData("dreets-aura", "agent", DataAction.Download, "entreprises-ciblees", "carsat-ra", "ciblage", "policy.direction-not-allowed")]
    [InlineData("prevy", "agent", DataAction.Send, "adherents", "carsat-lr", "ciblage", null)]
    [InlineData("prevy", "agent", DataAction.Send, "adherents", "carsat-lr", "pdp", "policy.purpose-not-allowed")]
    // 001 art. 7: PREVY's actions in companies reach the DREETS Occitanie; P.S.T.38's do not reach the DREETS AuRA (004 names no such list).
    [InlineData("prevy", "agent", DataAction.Send, "actions-entreprises", "dreets-occitanie", "information-actions", null)]
    [InlineData("dreets-occitanie", "agent", DataAction.Download, "actions-entreprises", "prevy", "information-actions", null)]
    // Documents: the reviews of 002 reach the DREETS Pays de la Loire, which may send its own; 004's documents stay between P.S.T.38 and the Carsat.
    [InlineData("satm", "agent", DataAction.Send, "document", "dreets-pdl", "documents-cpom", null)]
    [InlineData("dreets-pdl", "agent", DataAction.Send, "document", "carsat-pdl", "documents-cpom", null)]
    [InlineData("pst38", "agent", DataAction.Send, "document", "carsat-ra", "documents-cpom", null)]
    [InlineData("pst38", "agent", DataAction.Send, "document", "dreets-aura", "documents-cpom", "policy.direction-not-allowed")]
    [InlineData("dreets-aura", "agent", DataAction.Send, "document", "pst38", "documents-cpom", "policy.direction-not-allowed")]
    [InlineData("satm", "agent", DataAction.Send, "document", "carsat-pdl", "indicateurs", "policy.purpose-not-allowed")]
    [InlineData("satm", "pdp", DataAction.Send, "document", "carsat-pdl", "documents-cpom", "policy.role-not-allowed")]
    [InlineData("satm", "agent", DataAction.Send, "document", "carsat-lr", "documents-cpom", "policy.no-contract")]
    [InlineData("pst38", "agent", DataAction.Send, "actions-entreprises", "dreets-aura", "information-actions", "policy.direction-not-allowed")]
    [InlineData("pst38", "agent", DataAction.Send, "actions-entreprises", "carsat-ra", "information-actions", null)]
    [InlineData("dreets-occitanie", "agent", DataAction.Send, "actions-entreprises", "prevy", "information-actions", "policy.direction-not-allowed")]
    [InlineData("dreets-occitanie", "agent", DataAction.Download, "sinistralite", "carsat-lr", "sinistralite", "policy.direction-not-allowed")]
    [InlineData("pst38", "agent", DataAction.Send, "adherents", "carsat-ra", "ciblage", null)]
    [InlineData("prevy", "agent", DataAction.Send, "suivi-entreprises", "carsat-lr", "ciblage", "policy.exchange-not-in-contract")]
    // A worker withdraws consent (RGPD art. 7(3)): only the PDP cell that sent the signalement removes them.
    [InlineData("cist971", "pdp", DataAction.WithdrawConsent, "signalements-pdp", "cgss-guadeloupe", "pdp", null)]
    [InlineData("cist971", "agent", DataAction.WithdrawConsent, "signalements-pdp", "cgss-guadeloupe", "pdp", "policy.role-not-allowed")]
    [InlineData("cgss-guadeloupe", "service-social", DataAction.WithdrawConsent, "signalements-pdp", "cist971", "pdp", "policy.role-not-allowed")]
    [InlineData("cgss-guadeloupe", "pdp", DataAction.WithdrawConsent, "signalements-pdp", "cist971", "pdp", "policy.role-not-allowed")]
    [InlineData("cist971", "pdp", DataAction.WithdrawConsent, "signalements-pdp", "cgss-guadeloupe", "ciblage", "policy.purpose-not-allowed")]
    [InlineData("cist971", "pdp", DataAction.WithdrawConsent, "retour-signalement", "cgss-guadeloupe", "pdp", "policy.role-not-allowed")]
    [InlineData("pst38", "agent", DataAction.WithdrawConsent, "adherents", "carsat-ra", "ciblage", "policy.role-not-allowed")]
    [InlineData("prevy", "pdp", DataAction.WithdrawConsent, "signalements-pdp", "carsat-lr", "pdp", "policy.exchange-not-in-contract")]
    [InlineData("cist971", "pdp", DataAction.WithdrawConsent, "signalements-pdp", "deets-guadeloupe", "pdp", "policy.direction-not-allowed")]
    // Issue 22 parts 3-5: opened by seed 004 only.
    [InlineData("carsat-ra", "agent", DataAction.Send, "entreprises-forte-sinistralite", "pst38", "ciblage", null)]
    [InlineData("pst38", "agent", DataAction.Download, "entreprises-forte-sinistralite", "carsat-ra", "ciblage", null)]
    [InlineData("carsat-ra", "agent", DataAction.Send, "entreprises-forte-sinistralite", "pst38", "sinistralite", "policy.purpose-not-allowed")]
    [InlineData("carsat-lr", "agent", DataAction.Send, "entreprises-forte-sinistralite", "prevy", "ciblage", "policy.exchange-not-in-contract")]
    [InlineData("carsat-ra", "agent", DataAction.Send, "entreprises-forte-sinistralite", "dreets-aura", "ciblage", "policy.direction-not-allowed")]
    [InlineData("pst38", "agent", DataAction.Send, "cible-spsti", "carsat-ra", "ciblage", null)]
    [InlineData("carsat-ra", "agent", DataAction.Download, "cible-spsti", "pst38", "ciblage", null)]
    [InlineData("dreets-aura", "agent", DataAction.Download, "cible-spsti", "pst38", "ciblage", "policy.direction-not-allowed")]
    [InlineData("prevy", "agent", DataAction.Send, "cible-spsti", "carsat-lr", "ciblage", "policy.exchange-not-in-contract")]
    [InlineData("cist971", "agent", DataAction.Send, "cible-spsti", "cgss-guadeloupe", "ciblage", "policy.exchange-not-in-contract")]
    [InlineData("carsat-ra", "agent", DataAction.Send, "suite-alerte", "pst38", "alerte-risque", null)]
    [InlineData("pst38", "agent", DataAction.Download, "suite-alerte", "carsat-ra", "alerte-risque", null)]
    [InlineData("pst38", "agent", DataAction.Send, "suite-alerte", "carsat-ra", "alerte-risque", "policy.direction-not-allowed")]
    [InlineData("carsat-ra", "agent", DataAction.Send, "suite-alerte", "pst38", "ciblage", "policy.purpose-not-allowed")]
    [InlineData("carsat-ra", "pdp", DataAction.Send, "suite-alerte", "pst38", "alerte-risque", "policy.role-not-allowed")]
    // Statistics (DOMAIN.md 9, 10): the caisse's to the SPSTI where 000 III, 002 §3.2, 004 art. 4 say so, never to the DREETS;
    // the DREETS's to the SPSTI and the caisse where 001, 002 §3.3, 004 say so.
    [InlineData("carsat-ra", "agent", DataAction.Send, "statistiques-sinistralite", "pst38", "diagnostic", null)]
    [InlineData("pst38", "agent", DataAction.Download, "statistiques-sinistralite", "carsat-ra", "diagnostic", null)]
    [InlineData("cgss-guadeloupe", "agent", DataAction.Send, "statistiques-sinistralite", "cist971", "diagnostic", null)]
    [InlineData("carsat-pdl", "agent", DataAction.Send, "statistiques-sinistralite", "satm", "diagnostic", null)]
    [InlineData("carsat-lr", "agent", DataAction.Send, "statistiques-sinistralite", "prevy", "diagnostic", "policy.exchange-not-in-contract")]
    [InlineData("carsat-ra", "agent", DataAction.Send, "statistiques-sinistralite", "dreets-aura", "diagnostic", "policy.direction-not-allowed")]
    [InlineData("dreets-aura", "agent", DataAction.Download, "statistiques-sinistralite", "carsat-ra", "diagnostic", "policy.direction-not-allowed")]
    [InlineData("carsat-ra", "agent", DataAction.Send, "statistiques-sinistralite", "pst38", "sinistralite", "policy.purpose-not-allowed")]
    [InlineData("pst38", "agent", DataAction.Send, "statistiques-sinistralite", "carsat-ra", "diagnostic", "policy.direction-not-allowed")]
    [InlineData("carsat-ra", "pdp", DataAction.Send, "statistiques-sinistralite", "pst38", "diagnostic", "policy.role-not-allowed")]
    [InlineData("dreets-aura", "agent", DataAction.Send, "statistiques-dreets", "pst38", "diagnostic", null)]
    [InlineData("dreets-aura", "agent", DataAction.Send, "statistiques-dreets", "carsat-ra", "diagnostic", null)]
    [InlineData("carsat-ra", "agent", DataAction.Download, "statistiques-dreets", "dreets-aura", "diagnostic", null)]
    [InlineData("dreets-occitanie", "agent", DataAction.Send, "statistiques-dreets", "prevy", "diagnostic", null)]
    [InlineData("dreets-pdl", "agent", DataAction.Send, "statistiques-dreets", "satm", "diagnostic", null)]
    [InlineData("deets-guadeloupe", "agent", DataAction.Send, "statistiques-dreets", "cist971", "diagnostic", "policy.exchange-not-in-contract")]
    [InlineData("dreets-aura", "agent", DataAction.Send, "statistiques-dreets", "pst38", "indicateurs", "policy.purpose-not-allowed")]
    [InlineData("pst38", "agent", DataAction.Send, "statistiques-dreets", "dreets-aura", "diagnostic", "policy.direction-not-allowed")]
    [InlineData("dreets-aura", "agent", DataAction.Send, "statistiques-dreets", "satm", "diagnostic", "policy.no-contract")]
    [InlineData("dreets-aura", "dpo", DataAction.Send, "statistiques-dreets", "pst38", "diagnostic", "policy.role-not-allowed")]
    public void SeedCases(string self, string role, DataAction action, string exchange, string other, string purpose, string? code)
    {
        var decision = AccessPolicy.Decide(Policies, new AccessRequest([role], self, action, exchange, other, purpose, new DateOnly(2026, 11, 23)));
        Assert.Equal(code, decision.Code);
    }

    [Fact]
    public void AfterAContractsEnd_OnlyTheReports_AndOnlyUntilThe30JuneAfter()
    {
        foreach (var contract in Contracts)
        {
            foreach (var (exchange, purposes) in contract.Exchanges)
            {
                var role = Catalogue[exchange].Roles[0] == "pdp" ? "pdp" : "agent";
                var (self, other) = Catalogue[exchange].From[0] switch
                {
                    S => (contract.Spsti, Catalogue[exchange].To[0] == D ? contract.Dreets : contract.Caisse),
                    D => (contract.Dreets, contract.Spsti),
                    _ => (contract.Caisse, contract.Spsti),
                };
                if (role == "pdp" && KindOf(self) != S)
                {
                    role = "service-social";
                }
                AccessDecision On(DateOnly day) => AccessPolicy.Decide(Policies, new AccessRequest([role], self, DataAction.Send, exchange, other, purposes[0], day));
                Assert.True(On(contract.End).Allowed, $"{contract.Id} {exchange} on its last day");
                var reportingUntil = ReportingUntil(contract.End);
                if (Reports.Contains(exchange))
                {
                    Assert.True(On(contract.End.AddDays(1)).Allowed, $"{contract.Id}: {exchange} the day after the term");
                    Assert.True(On(reportingUntil).Allowed, $"{contract.Id}: {exchange} on {reportingUntil}");
                    Assert.Equal("policy.contract-not-in-force", On(reportingUntil.AddDays(1)).Code);
                }
                else
                {
                    var after = On(contract.End.AddDays(1));
                    Assert.Equal("policy.contract-not-in-force", after.Code);
                    Assert.Contains($"jusqu'au {reportingUntil:dd/MM/yyyy}, seuls les comptes rendus du contrat", after.Message, StringComparison.Ordinal);
                    Assert.Equal("policy.contract-not-in-force", On(reportingUntil).Code);
                }
            }
        }
    }
}
