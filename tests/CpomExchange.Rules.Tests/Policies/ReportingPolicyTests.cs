using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Tests.Policies;

/// <summary>Reports after the term (the reporting period), their years, and who drafts which part of the annual table.</summary>
public sealed class ReportingPolicyTests
{
    private static readonly PolicySet Policies = PolicyLoader.Load(PolicyLoaderTests.RepositoryPolicies);
    private static readonly Contract Satm = Policies.Contracts.Single(c => c.Id == "cpom-satm-2025");
    private static readonly Contract Pst38 = Policies.Contracts.Single(c => c.Id == "cpom-pst38-2025");
    private static readonly Contract Prevy = Policies.Contracts.Single(c => c.Id == "cpom-prevy-2025");

    private static AccessDecision Decide(string org, string role, DataAction action, string type, string counterpart, string? purpose, DateOnly day) =>
        AccessPolicy.Decide(Policies, new AccessRequest([role], org, action, type, counterpart, purpose, day));

    [Fact]
    public void Satm_2028Table_IsAccepted_On30June2029_AndNothingElse()
    {
        var due = new DateOnly(2029, 6, 30);
        var table = Decide("satm", Roles.Agent, DataAction.Send, "indicateurs", "dreets-pdl", "indicateurs", due);
        Assert.True(table.Allowed, table.Message);
        Assert.Equal("cpom-satm-2025", table.Contract?.Id);
        Assert.True(Decide("satm", Roles.Agent, DataAction.Send, "indicateurs", "carsat-pdl", "indicateurs", due).Allowed);
        // The recipients still read it.
        Assert.True(Decide("dreets-pdl", Roles.Agent, DataAction.Download, "indicateurs", "satm", "indicateurs", due).Allowed);

        var adherents = Decide("satm", Roles.Agent, DataAction.Send, "adherents", "carsat-pdl", "sinistralite", due);
        Assert.Equal("policy.contract-not-in-force", adherents.Code);
        Assert.Equal("Aucun contrat CPOM en vigueur le 30/06/2029 entre SATM et la Carsat Pays de la Loire (contrat « cpom-satm-2025 » du 27/03/2025 au 26/03/2029) ; "
            + "jusqu'au 30/06/2029, seuls les comptes rendus du contrat (tableau de suivi annuel) peuvent encore être échangés.", adherents.Message);
        Assert.Equal("policy.contract-not-in-force", Decide("satm", Roles.Pdp, DataAction.Send, "signalements-pdp", "carsat-pdl", "pdp", due).Code);
        Assert.Equal("policy.contract-not-in-force", Decide("satm", Roles.Agent, DataAction.Send, "indicateurs", "dreets-pdl", "indicateurs", due.AddDays(1)).Code);
    }

    [Theory]
    [InlineData(2025, null)]
    [InlineData(2028, null)]
    [InlineData(2029, null)]  // covered in part (to 26/03/2029)
    [InlineData(2024, "Le contrat « cpom-satm-2025 » couvre les années 2025 à 2029 : pas de compte rendu pour 2024.")]
    [InlineData(2030, "Le contrat « cpom-satm-2025 » couvre les années 2025 à 2029 : pas de compte rendu pour 2030.")]
    public void ReportYear_IsAYearTheContractCovered(int year, string? problem) =>
        Assert.Equal(problem, ReportingPolicy.YearProblem(Satm, year, new DateOnly(2029, 6, 30)));

    [Fact]
    public void ReportYear_HasBegun() =>
        Assert.Equal("L'année 2027 n'a pas commencé : pas de compte rendu pour elle.", ReportingPolicy.YearProblem(Pst38, 2027, new DateOnly(2026, 12, 31)));

    [Fact]
    public void YearCheck_RefusesTheRowOfAYearNotCovered_OnlyForReports()
    {
        var check = ReportingPolicy.YearCheck(Policies.Exchanges["indicateurs"], Satm, new DateOnly(2029, 6, 30));
        Assert.NotNull(check);
        Assert.Null(check(["2028", "27/03/2025", "26/03/2029", "PDP", "SIGNALEMENTS_EMIS", "12", "", ""]));
        var problem = check(["2030", "27/03/2025", "26/03/2029", "PDP", "SIGNALEMENTS_EMIS", "12", "", ""]);
        Assert.Equal(("annee", "report.year-not-covered"), (problem?.Column, problem?.Code));
        Assert.Null(ReportingPolicy.YearCheck(Policies.Exchanges["adherents"], Satm, new DateOnly(2026, 1, 1)));
    }

    [Theory]
    // Establishment rows to whoever may send the table; signalement rows (health data) to whoever may see the signalements.
    [InlineData(new[] { Roles.Agent }, true, false)]
    [InlineData(new[] { Roles.Pdp }, false, true)]
    [InlineData(new[] { Roles.Agent, Roles.Pdp }, true, true)]
    public void Draft_ShowsEachPart_OnlyToTheRolesOfItsSources(string[] roles, bool establishments, bool signalements)
    {
        var decision = ReportingPolicy.DecideDraft(Policies, roles, "pst38", Pst38, new DateOnly(2026, 12, 1));
        Assert.True(decision.Allowed, decision.Message);
        Assert.Equal((establishments, signalements), (decision.Establishments, decision.Signalements));
    }

    [Theory]
    [InlineData("pst38", new[] { Roles.Dpo }, "policy.role-not-allowed", "Les rôles dpo et admin n'accèdent jamais aux données échangées.")]
    [InlineData("carsat-ra", new[] { Roles.Agent }, "policy.role-not-allowed", "Le tableau de suivi du contrat « cpom-pst38-2025 » est établi par son SPSTI, P.S.T.38.")]
    [InlineData("prevy", new[] { Roles.Agent, Roles.Pdp }, "policy.role-not-allowed", "Le tableau de suivi du contrat « cpom-pst38-2025 » est établi par son SPSTI, P.S.T.38.")]
    public void Draft_IsRefused_ToOthers(string organisation, string[] roles, string code, string message)
    {
        var decision = ReportingPolicy.DecideDraft(Policies, roles, organisation, Pst38, new DateOnly(2026, 12, 1));
        Assert.Equal((false, code, message), (decision.Allowed, decision.Code, decision.Message));
    }

    [Fact]
    public void Draft_InTheReportingPeriod_StillHasBothParts_AndNotAfter()
    {
        var due = new DateOnly(2029, 6, 30);
        var both = ReportingPolicy.DecideDraft(Policies, [Roles.Agent, Roles.Pdp], "satm", Satm, due);
        Assert.Equal((true, true, true), (both.Allowed, both.Establishments, both.Signalements));
        var after = ReportingPolicy.DecideDraft(Policies, [Roles.Agent, Roles.Pdp], "satm", Satm, due.AddDays(1));
        Assert.Equal((false, "policy.contract-not-in-force"), (after.Allowed, after.Code));
        Assert.Equal("policy.contract-not-in-force", ReportingPolicy.DecideDraft(Policies, [Roles.Agent], "satm", Satm, new DateOnly(2025, 3, 26)).Code);
    }

    [Fact]
    public void Draft_OfAContractWithoutSignalements_HasNoSignalementPart()
    {
        // PREVY's contract names no signalement exchange: a pdp sees nothing, an agent the establishments.
        Assert.Equal((true, true, false), Parts(ReportingPolicy.DecideDraft(Policies, [Roles.Agent, Roles.Pdp], "prevy", Prevy, new DateOnly(2026, 12, 1))));
        var pdp = ReportingPolicy.DecideDraft(Policies, [Roles.Pdp], "prevy", Prevy, new DateOnly(2026, 12, 1));
        Assert.Equal((false, "policy.role-not-allowed"), (pdp.Allowed, pdp.Code));

        static (bool, bool, bool) Parts(DraftDecision d) => (d.Allowed, d.Establishments, d.Signalements);
    }
}
