using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Rules.Tests.Registre;

/// <summary>
/// The rules of an authorisation an administrator records through the API: appended to the administered
/// file in the schema of <c>authorisations.yaml</c>, checked like it, plus the checks of an addition
/// (the caller's organisation, the dates, a reference used once, no overlap). A refusal appends nothing.
/// </summary>
public sealed class AdministeredAuthorisationsTests
{
    private static readonly PolicySet Folder = PolicyLoader.Load(TestPaths.Policies);
    private static readonly DateOnly Today = new(2026, 12, 1);
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 30, 0, TimeSpan.Zero);

    private static AuthorisationProposal Proposal(string reference = "PST38/CARSAT-LR 2026-12", string from = "pst38", string to = "carsat-lr",
        string date = "2026-12-01", string until = "2027-11-30", string[]? exchanges = null, string purpose = "ciblage") =>
        new(reference, date, until, "cpom-pst38-2025", from, to, exchanges ?? ["adherents"], purpose, null);

    private static (AuthorisationAddition? Added, CpomExchange.Rules.Errors.Refusal? Refusal) Add(AuthorisationProposal proposal, string? administered = null, string? callerOrganisation = null) =>
        AdministeredAuthorisations.Add(Folder, administered, proposal, callerOrganisation, "admin", At, Today);

    [Fact]
    public void AnAddition_IsAppendedInTheSchemaOfTheFile_AndMakesANewVersionThatAllowsTheDisclosure()
    {
        var (added, refusal) = Add(Proposal());
        Assert.Null(refusal);
        Assert.Equal("""
            authorisations:
              - reference: "PST38/CARSAT-LR 2026-12"
                date: 2026-12-01
                until: 2027-11-30
                contract: "cpom-pst38-2025"
                from: "pst38"
                to: "carsat-lr"
                exchanges: ["adherents"]
                purpose: "ciblage"
                addedBy: "admin"
                addedAt: "2026-12-01T09:30:00Z"

            """, added!.Administered);
        Assert.NotEqual(Folder.Hash, added.Policies.Hash);
        Assert.Equal(PolicyFiles.Hash(added.Policies.Files), added.Policies.Hash);
        Assert.Equal(added.Administered, added.Policies.Files[PolicyFiles.AdministeredFile]);
        Assert.Equal(("admin", PolicyFiles.AdministeredFile), (added.Authorisation.AddedBy, added.Authorisation.File));
        var decision = AccessPolicy.Decide(added.Policies, new AccessRequest([Roles.Agent], "pst38", DataAction.Send, "adherents", "carsat-lr", "ciblage", Today));
        Assert.True(decision.Allowed, decision.Message);
        Assert.Equal("policy.no-contract", AccessPolicy.Decide(Folder, new AccessRequest([Roles.Agent], "pst38", DataAction.Send, "adherents", "carsat-lr", "ciblage", Today)).Code);

        // Read back from the history, the same policy: same hash, same authorisation.
        var (again, errors) = AdministeredAuthorisations.Apply(Folder, added.Administered);
        Assert.Empty(errors);
        Assert.Equal(added.Policies.Hash, again!.Hash);
    }

    [Fact]
    public void ASecondAddition_IsAppended_TheFirstUnchanged()
    {
        var (first, _) = Add(Proposal());
        var (second, refusal) = Add(Proposal("PST38/PREVY 2026-12", to: "prevy", exchanges: ["alertes-risque"], purpose: "alerte-risque"), first!.Administered);
        Assert.Null(refusal);
        Assert.StartsWith(first.Administered, second!.Administered, StringComparison.Ordinal);
        Assert.Equal(["PST38/CARSAT-LR 2026-12", "PST38/PREVY 2026-12"], second.Policies.Authorisations.Select(a => a.Reference));
    }

    public static TheoryData<string, AuthorisationProposal, string?, string> Refusals => new()
    {
        { "another organisation's administrator", Proposal(), "carsat-pdl", "authorisation.not-discloser" },
        { "end before start", Proposal(date: "2027-01-10", until: "2027-01-09"), null, "authorisation.bad-dates" },
        { "already ended", Proposal(date: "2025-01-01", until: "2026-11-30"), null, "authorisation.bad-dates" },
        { "unreadable date", Proposal(date: "01/12/2026"), null, "authorisation.invalid" },
        { "no exchange", Proposal(exchanges: []), null, "authorisation.invalid" },
        { "control character", Proposal(reference: "PST38\u0000CARSAT"), null, "authorisation.invalid" },
        { "health data", Proposal(exchanges: ["signalements-pdp"], purpose: "pdp"), null, "authorisation.invalid" },
        { "a party of the contract", Proposal(to: "carsat-ra"), null, "authorisation.invalid" },
        { "purpose of another exchange", Proposal(purpose: "pdp"), null, "authorisation.invalid" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void AnInvalidProposal_IsRefusedWithItsCode(string why, AuthorisationProposal proposal, string? callerOrganisation, string code)
    {
        var (added, refusal) = Add(proposal, callerOrganisation: callerOrganisation);
        Assert.Null(added);
        Assert.True(code == refusal!.Code, $"{why}: {refusal.Code} {refusal.Detail}");
        Assert.False(string.IsNullOrWhiteSpace(refusal.Detail));
    }

    [Fact]
    public void TheDisclosersOwnAdministrator_MayRecordIt()
    {
        var (added, refusal) = Add(Proposal(), callerOrganisation: "pst38");
        Assert.Null(refusal);
        Assert.NotNull(added);
    }

    [Theory]
    [InlineData("2027-11-30", "2028-06-30", "authorisation.overlap")]   // starts the last day of the first
    [InlineData("2026-06-01", "2026-12-01", "authorisation.overlap")]   // ends the first day of the first
    [InlineData("2027-12-01", "2028-06-30", null)]                      // the day after: recorded
    public void AnOverlap_WithTheSameDiscloserThirdPartyPurposeAndDataset_IsRefused(string date, string until, string? code)
    {
        var (first, _) = Add(Proposal());
        var (second, refusal) = Add(Proposal("PST38/CARSAT-LR 2027", date: date, until: until), first!.Administered);
        Assert.Equal(code, refusal?.Code);
        Assert.Equal(code is null, second is not null);
    }

    [Fact]
    public void AReferenceUsedTwice_IsRefused()
    {
        var (first, _) = Add(Proposal());
        var (_, refusal) = Add(Proposal(date: "2028-01-01", until: "2028-12-31"), first!.Administered);
        Assert.Equal("authorisation.duplicate-reference", refusal!.Code);
    }

    [Fact]
    public void AnAdministeredFile_TheFolderRefuses_IsReportedWithItsEntry()
    {
        var (added, _) = Add(Proposal());
        var broken = added!.Administered.Replace("cpom-pst38-2025", "cpom-supprime", StringComparison.Ordinal);
        var (policies, errors) = AdministeredAuthorisations.Apply(Folder, broken);
        Assert.Null(policies);
        var error = Assert.Single(errors);
        Assert.Equal((PolicyFiles.AdministeredFile, "PST38/CARSAT-LR 2026-12"), (error.File, error.Entry));
    }
}
