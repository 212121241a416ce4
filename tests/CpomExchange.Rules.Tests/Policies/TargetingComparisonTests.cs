using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Tests.Policies;

/// <summary>Who may compare a contract's two targeting lists, and how they are compared.</summary>
public sealed class TargetingComparisonTests
{
    private static readonly PolicySet Policies = PolicyLoader.Load(PolicyLoaderTests.RepositoryPolicies);
    private static readonly DateOnly InForce = new(2026, 11, 23);

    private static Contract Pst38 => Policies.Contracts.Single(c => c.Id == "cpom-pst38-2025");

    [Theory]
    // Both parties hold both lists: either side's agent compares.
    [InlineData("pst38", "agent", null)]
    [InlineData("carsat-ra", "agent", null)]
    // Nobody else: the DREETS of the contract, another SPSTI or caisse, the roles that never touch data.
    [InlineData("dreets-aura", "agent", "policy.comparison-not-party")]
    [InlineData("prevy", "agent", "policy.comparison-not-party")]
    [InlineData("carsat-lr", "agent", "policy.comparison-not-party")]
    [InlineData("pst38", "dpo", "policy.role-not-allowed")]
    [InlineData("carsat-ra", "admin", "policy.role-not-allowed")]
    [InlineData("pst38", "pdp", "policy.role-not-allowed")]
    [InlineData("carsat-ra", "service-social", "policy.role-not-allowed")]
    public void Decide_OnlyTheContractsCaisseAndSpsti(string organisation, string role, string? code)
    {
        var decision = TargetingComparison.Decide(Policies, [role], organisation, Pst38, InForce);
        Assert.Equal(code, decision.Code);
        Assert.Equal(code is null, decision.Allowed);
    }

    [Fact]
    public void Decide_AContractThatDoesNotNameBothLists_IsRefused()
    {
        // Seed 001 names the caisse's targeted companies, not the SPSTI's own list.
        var prevy = Policies.Contracts.Single(c => c.Id == "cpom-prevy-2025");
        Assert.Equal("policy.exchange-not-in-contract", TargetingComparison.Decide(Policies, ["agent"], "prevy", prevy, InForce).Code);
        Assert.Equal("policy.exchange-not-in-contract", TargetingComparison.Decide(Policies, ["agent"], "carsat-lr", prevy, InForce).Code);
    }

    [Fact]
    public void Decide_OutsideTheTerm_IsRefused()
    {
        Assert.Equal("policy.contract-not-in-force", TargetingComparison.Decide(Policies, ["agent"], "pst38", Pst38, Pst38.End.AddDays(1)).Code);
    }

    [Fact]
    public void Compare_SplitsBySiret_IntoBothCaisseOnlySpstiOnly()
    {
        TargetedCompany[] caisse = [new("79402654223514", "EHPAD", "TMS_PROS"), new("92832764283508", "SUPERMARCHÉ", "RPS")];
        TargetedCompany[] spsti = [new("92832764283508", "", "RPS (ALERTE_RPS)"), new("01338908538633", "TRANSPORTS", "RPS")];
        var split = TargetingComparison.Compare(caisse, spsti);
        Assert.Equal([new TargetedCompany("92832764283508", "SUPERMARCHÉ", "RPS / RPS (ALERTE_RPS)")], split.Both);
        Assert.Equal([caisse[0]], split.CaisseOnly);
        Assert.Equal([spsti[1]], split.SpstiOnly);
    }
}
