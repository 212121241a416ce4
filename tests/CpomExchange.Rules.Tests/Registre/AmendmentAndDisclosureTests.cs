using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Registre;

namespace CpomExchange.Rules.Tests.Registre;

/// <summary>
/// Dated amendments (avenants) change decisions from their effective day, not before; a disclosure to a
/// third party is allowed only under an authorisation in force, for its datasets and purpose.
/// </summary>
public sealed class AmendmentAndDisclosureTests
{
    private static readonly DateOnly Eve = new(2027, 1, 31);
    private static readonly DateOnly Effective = new(2027, 2, 1);

    private static PolicySet Amended()
    {
        using var folder = new PolicyCopy();
        var contract = System.IO.Path.Combine(folder.Path, "contracts", "cpom-pst38.yaml");
        File.AppendAllText(contract, """

            avenants:
              - id: avenant-1
                title: "Avenant n° 1 : sinistralité, fin des alertes"
                signed: 2027-01-10
                effective: 2027-02-01
                exchanges:
                  - { type: adherents, purposes: [ciblage, sinistralite] }
                removeExchanges: [alertes-risque]
            """);
        return PolicyLoader.Load(folder.Path);
    }

    private static AccessDecision Send(PolicySet policies, string type, string to, string purpose, DateOnly day) =>
        AccessPolicy.Decide(policies, new AccessRequest([Roles.Agent], "pst38", DataAction.Send, type, to, purpose, day));

    [Fact]
    public void AnAmendment_ChangesDecisionsFromItsEffectiveDay_AndNotTheDayBefore()
    {
        var policies = Amended();
        Assert.Equal("policy.purpose-not-allowed", Send(policies, "adherents", "carsat-ra", "sinistralite", Eve).Code);
        Assert.True(Send(policies, "adherents", "carsat-ra", "sinistralite", Effective).Allowed);
        Assert.True(Send(policies, "alertes-risque", "carsat-ra", "alerte-risque", Eve).Allowed);
        Assert.Equal("policy.exchange-not-in-contract", Send(policies, "alertes-risque", "carsat-ra", "alerte-risque", Effective).Code);
    }

    [Fact]
    public void TheRecordOfProcessing_ReadsTheContractAsAmendedOnItsDay()
    {
        var policies = Amended();
        var now = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var before = RegistreBuilder.Build(policies, "pst38", Eve, now);
        var after = RegistreBuilder.Build(policies, "pst38", Effective, now);
        Assert.Contains(before.Entries, e => e.ExchangeType == "alertes-risque");
        Assert.DoesNotContain(after.Entries, e => e.ExchangeType == "alertes-risque");
        Assert.Equal(["ciblage"], before.Entries.Single(e => e.ExchangeType == "adherents").Purposes.Select(p => p.Code));
        var adherents = after.Entries.Single(e => e.ExchangeType == "adherents");
        Assert.Equal(["ciblage", "sinistralite"], adherents.Purposes.Select(p => p.Code));
        Assert.Single(adherents.Amendments);
        Assert.Empty(before.Entries.Single(e => e.ExchangeType == "adherents").Amendments);
    }

    [Fact]
    public void ADisclosureToAThirdParty_IsRefusedWithoutAuthorisation_AndAllowedWithOne_ForItsDatasetPurposeAndDays()
    {
        var day = new DateOnly(2026, 3, 2);
        var seeds = PolicyLoader.Load(CpomExchange.Tests.Shared.TestPaths.Policies);
        Assert.Equal("policy.no-contract", Send(seeds, "adherents", "carsat-lr", "ciblage", day).Code);

        using var folder = new PolicyCopy();
        folder.Write(PolicyFiles.AuthorisationsFile, """
            authorisations:
              - reference: "PST38/CARSAT-LR 2026-01"
                date: 2026-01-05
                until: 2026-06-30
                contract: cpom-pst38-2025
                from: pst38
                to: carsat-lr
                exchanges: [adherents]
                purpose: ciblage
            """);
        var policies = PolicyLoader.Load(folder.Path);
        var allowed = Send(policies, "adherents", "carsat-lr", "ciblage", day);
        Assert.True(allowed.Allowed, allowed.Message);
        Assert.Equal("PST38/CARSAT-LR 2026-01", allowed.Authorisation?.Reference);
        Assert.Equal("policy.purpose-not-allowed", Send(policies, "adherents", "carsat-lr", "sinistralite", day).Code);
        Assert.Equal("policy.disclosure-not-authorised", Send(policies, "alertes-risque", "carsat-lr", "alerte-risque", day).Code);
        Assert.Equal("policy.disclosure-not-authorised", Send(policies, "adherents", "carsat-lr", "ciblage", new DateOnly(2026, 7, 1)).Code);
        Assert.Equal("policy.disclosure-not-authorised", Send(policies, "adherents", "carsat-lr", "ciblage", new DateOnly(2026, 1, 4)).Code);
        // It opens one direction: the third party sends nothing back to pst38 under it.
        var back = AccessPolicy.Decide(policies, new AccessRequest([Roles.Agent], "carsat-lr", DataAction.Send, "entreprises-ciblees", "pst38", "ciblage", day));
        Assert.False(back.Allowed);
        // The parties concerned by the disclosure: all three of the contract.
        Assert.Equal(["carsat-ra", "dreets-aura", "pst38"], policies.DisclosureControllers("pst38", "carsat-lr", "adherents").Order(StringComparer.Ordinal));
    }
}
