using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Tests.Policies;

/// <summary>
/// The one decision on a stored dataset (download, acknowledgement, consent withdrawal): the
/// direction, the policy, and the purpose it was sent for (RGPD art. 5(1)(b)), taken in the rules.
/// </summary>
public sealed class DatasetPolicyTests
{
    private static readonly PolicySet Policies = PolicyLoader.Load(PolicyLoaderTests.RepositoryPolicies);
    private static readonly DateOnly Today = new(2026, 11, 23);

    // PREVY's contract opens the adherents list for both purposes: only the dataset's own purpose decides.
    private static readonly DatasetFacts AdherentsForSinistralite = new("ds_1", "adherents", "prevy", "carsat-lr", "sinistralite", Available: true);
    private static readonly DatasetFacts Signalement = new("ds_2", "signalements-pdp", "satm", "carsat-pdl", "pdp", Available: true);

    private static AccessDecision Decide(string org, string role, DataAction action, DatasetFacts dataset, string? purpose) =>
        DatasetPolicy.Decide(Policies, [role], org, action, dataset, purpose, Today);

    [Theory]
    [InlineData(DataAction.Download)]
    [InlineData(DataAction.Acknowledge)]
    public void TheRecipient_ForTheDatasetsPurpose_IsAllowed(DataAction action)
    {
        var decision = Decide("carsat-lr", Roles.Agent, action, AdherentsForSinistralite, "sinistralite");
        Assert.True(decision.Allowed, decision.Message);
        Assert.Equal("cpom-prevy-2025", decision.Contract?.Id);
    }

    [Theory]
    [InlineData(DataAction.Download, "il ne peut être téléchargé que pour celle-ci")]
    [InlineData(DataAction.Acknowledge, "sa réception ne peut être accusée que pour celle-ci")]
    public void AnotherPurposeTheContractAllows_IsStillRefused(DataAction action, string sentence)
    {
        // The contract allows ciblage for adherents, so the policy alone would say yes: purpose limitation says no.
        Assert.True(AccessPolicy.Decide(Policies, new AccessRequest([Roles.Agent], "carsat-lr", action, "adherents", "prevy", "ciblage", Today)).Allowed);
        var decision = Decide("carsat-lr", Roles.Agent, action, AdherentsForSinistralite, "ciblage");
        Assert.False(decision.Allowed);
        Assert.Equal("policy.purpose-not-allowed", decision.Code);
        Assert.Contains("« sinistralite »", decision.Message, StringComparison.Ordinal);
        Assert.Contains(sentence, decision.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DataAction.Download)]
    [InlineData(DataAction.Acknowledge)]
    public void TheSender_MayNotActAsTheRecipient(DataAction action) =>
        Assert.Equal("policy.direction-not-allowed", Decide("prevy", Roles.Agent, action, AdherentsForSinistralite, "sinistralite").Code);

    [Fact]
    public void ThePolicy_StillDecides_ARoleThatMayNotDownload() =>
        Assert.Equal("policy.role-not-allowed", Decide("carsat-lr", Roles.Dpo, DataAction.Download, AdherentsForSinistralite, "sinistralite").Code);

    [Fact]
    public void AConsentWithdrawal_IsTheSendersPdpCells_ForItsPurpose()
    {
        Assert.True(Decide("satm", Roles.Pdp, DataAction.WithdrawConsent, Signalement, "pdp").Allowed);
        Assert.Equal("policy.direction-not-allowed", Decide("carsat-pdl", Roles.ServiceSocial, DataAction.WithdrawConsent, Signalement, "pdp").Code);
        Assert.Equal("policy.role-not-allowed", Decide("satm", Roles.Agent, DataAction.WithdrawConsent, Signalement, "pdp").Code);
    }

    [Fact]
    public void AConsentWithdrawal_FromAnExchangeThatNamesNoPerson_IsNotApplicable()
    {
        var refused = Decide("prevy", Roles.Agent, DataAction.WithdrawConsent, AdherentsForSinistralite, "sinistralite");
        Assert.Equal("consent.not-applicable", refused.Code);
    }
}
