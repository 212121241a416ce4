using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Tests.Policies;

public sealed class AccessPolicyTests
{
    private static readonly PolicySet Policies = PolicyLoader.Load(PolicyLoaderTests.RepositoryPolicies);
    private static readonly DateOnly Today = new(2026, 11, 23);

    private static AccessDecision Decide(string org, string role, DataAction action, string counterpart, string? purpose = "sinistralite", DateOnly? day = null, string type = "adherents") =>
        AccessPolicy.Decide(Policies, new AccessRequest([role], org, action, type, counterpart, purpose, day ?? Today));

    [Fact]
    public void Prevy_MaySendAdherentsToCarsatLr_ForSinistralite()
    {
        var decision = Decide("prevy", Roles.Agent, DataAction.Send, "carsat-lr");
        Assert.True(decision.Allowed, decision.Message);
        Assert.Equal("cpom-prevy-2025", decision.Contract?.Id);
    }

    [Theory]
    [InlineData("cist971", "cgss-guadeloupe", "ciblage")]
    [InlineData("prevy", "carsat-lr", "sinistralite")]
    [InlineData("satm", "carsat-pdl", "sinistralite")]
    [InlineData("pst38", "carsat-ra", "ciblage")]
    public void EverySeedSpsti_MaySendItsAdherentsToItsCaisse(string spsti, string caisse, string purpose) =>
        Assert.True(Decide(spsti, Roles.Agent, DataAction.Send, caisse, purpose).Allowed);

    [Theory]
    [InlineData("satm", "carsat-lr")]
    [InlineData("prevy", "carsat-pdl")]
    [InlineData("pst38", "cgss-guadeloupe")]
    public void WithoutAContract_IsRefused(string spsti, string caisse) =>
        Assert.Equal("policy.no-contract", Decide(spsti, Roles.Agent, DataAction.Send, caisse).Code);

    [Fact]
    public void ContractTerm_IsInclusive_AndTheDayAfterIsRefused()
    {
        Assert.True(Decide("prevy", Roles.Agent, DataAction.Send, "carsat-lr", day: new DateOnly(2030, 1, 22)).Allowed);
        Assert.True(Decide("prevy", Roles.Agent, DataAction.Send, "carsat-lr", day: new DateOnly(2025, 1, 22)).Allowed);
        var after = Decide("prevy", Roles.Agent, DataAction.Send, "carsat-lr", day: new DateOnly(2030, 1, 23));
        Assert.Equal("policy.contract-not-in-force", after.Code);
        Assert.Contains("23/01/2030", after.Message, StringComparison.Ordinal);
        Assert.Equal("policy.contract-not-in-force", Decide("prevy", Roles.Agent, DataAction.Send, "carsat-lr", day: new DateOnly(2025, 1, 21)).Code);
        Assert.Equal("policy.contract-not-in-force", Decide("carsat-lr", Roles.Agent, DataAction.Download, "prevy", day: new DateOnly(2030, 1, 23)).Code);
    }

    [Theory]
    [InlineData(Roles.Dpo)]
    [InlineData(Roles.Admin)]
    [InlineData(Roles.Pdp)]
    public void NonAgentRoles_MayNotUploadAdherents(string role) =>
        Assert.Equal("policy.role-not-allowed", Decide("prevy", role, DataAction.Send, "carsat-lr").Code);

    [Theory]
    [InlineData(Roles.Dpo)]
    [InlineData(Roles.Admin)]
    [InlineData(Roles.ServiceSocial)]
    public void NonAgentRoles_MayNotDownloadAdherents(string role) =>
        Assert.Equal("policy.role-not-allowed", Decide("carsat-lr", role, DataAction.Download, "prevy").Code);

    [Fact]
    public void Dreets_MayNotReceiveAdherents() =>
        Assert.Equal("policy.direction-not-allowed", Decide("dreets-occitanie", Roles.Agent, DataAction.Download, "prevy").Code);

    [Fact]
    public void Caisse_MayNotSendAdherents() =>
        Assert.Equal("policy.direction-not-allowed", Decide("carsat-lr", Roles.Agent, DataAction.Send, "prevy").Code);

    [Theory]
    [InlineData(null, "request.missing-purpose")]
    [InlineData("", "request.missing-purpose")]
    [InlineData("indicateurs", "policy.purpose-not-allowed")]
    [InlineData("marketing", "policy.purpose-not-allowed")]
    public void Purpose_IsChecked(string? purpose, string code) =>
        Assert.Equal(code, Decide("prevy", Roles.Agent, DataAction.Send, "carsat-lr", purpose).Code);

    [Fact]
    public void UnknownExchangeOrOrganisation_IsRefused()
    {
        Assert.Equal("request.unknown-exchange", Decide("prevy", Roles.Agent, DataAction.Send, "carsat-lr", type: "bulletins").Code);
        Assert.Equal("request.unknown-organisation", Decide("prevy", Roles.Agent, DataAction.Send, "nowhere").Code);
        Assert.Equal("policy.no-organisation", AccessPolicy.Decide(Policies, new AccessRequest([Roles.Admin], null, DataAction.List, "adherents", "prevy", null, Today)).Code);
    }

    [Fact]
    public void Refusal_SaysWhyInFrench()
    {
        var decision = Decide("prevy", Roles.Agent, DataAction.Send, "carsat-pdl");
        Assert.Equal("Aucun contrat CPOM entre PREVY et la Carsat Pays de la Loire.", decision.Message);
    }

    [Fact]
    public void Sender_MayReadItsOwnMetadata()
    {
        var decision = AccessPolicy.Decide(Policies, new AccessRequest([Roles.Agent], "prevy", DataAction.ReadMetadata, "adherents", "carsat-lr", null, Today, AsSender: true));
        Assert.True(decision.Allowed, decision.Message);
    }
}
