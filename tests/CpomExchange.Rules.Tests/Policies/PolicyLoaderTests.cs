using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Tests.Policies;

public sealed class PolicyLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpom-policy-").FullName;

    internal static string RepositoryPolicies => CpomExchange.Tests.Shared.TestPaths.Policies;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RepositoryPolicies_LoadTheFourSeedContracts()
    {
        var policies = PolicyLoader.Load(RepositoryPolicies);
        Assert.Equal(12, policies.Organisations.Count);
        Assert.Equal(4, policies.Contracts.Count);
        var prevy = Assert.Single(policies.Contracts, c => c.Spsti == "prevy");
        Assert.Equal(("carsat-lr", "dreets-occitanie"), (prevy.Caisse, prevy.Dreets));
        Assert.Equal(new DateOnly(2025, 1, 22), prevy.Start);
        Assert.Equal(new DateOnly(2030, 1, 22), prevy.End);
        var satm = Assert.Single(policies.Contracts, c => c.Spsti == "satm");
        Assert.Equal((new DateOnly(2025, 3, 27), new DateOnly(2029, 3, 26)), (satm.Start, satm.End));
        Assert.All(policies.Organisations.Values, o => Assert.True(CpomExchange.Rules.Identifiers.Siret.IsValidSiren(o.Siren)));
        var kinds = policies.Organisations.Values.GroupBy(o => o.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(4, kinds[OrganisationKind.Spsti]);
        Assert.Equal(4, kinds[OrganisationKind.Caisse]);
        Assert.Equal(4, kinds[OrganisationKind.Dreets]);
    }

    [Fact]
    public void ReportingPeriod_DefaultsToThe30JuneAfterTheEnd_OrIsTheContractsOwn()
    {
        var contracts = PolicyLoader.Load(RepositoryPolicies).Contracts.ToDictionary(c => c.Id);
        // Seed 004: the table is due "au plus tard le 30 juin"; the first 30 June after the last day.
        Assert.Equal(new DateOnly(2030, 6, 30), contracts["cpom-prevy-2025"].ReportingUntil);     // ends 22/01/2030
        Assert.Equal(new DateOnly(2031, 6, 30), contracts["cpom-pst38-2025"].ReportingUntil);     // ends 29/07/2030
        Assert.Equal(new DateOnly(2030, 6, 30), contracts["cpom-cist971-2025"].ReportingUntil);   // ends 31/12/2029
        Assert.Equal(new DateOnly(2029, 6, 30), contracts["cpom-satm-2025"].ReportingUntil);      // ends 26/03/2029, written out
        Assert.Equal(new DateOnly(2026, 6, 30), Contract.DefaultReportingUntil(new DateOnly(2025, 6, 30)));
        Assert.Equal(new DateOnly(2025, 6, 30), Contract.DefaultReportingUntil(new DateOnly(2025, 6, 29)));

        WriteOrganisations();
        WriteContract("c1.yaml", GoodContract.Replace("  end: 2030-01-22\n", "  end: 2030-01-22\n  reportingUntil: 2030-01-22\n", StringComparison.Ordinal));
        var none = PolicyLoader.Load(_dir).Contracts.Single();
        Assert.Equal(none.End, none.ReportingUntil);
        Assert.False(none.InReportingPeriod(none.End.AddDays(1)));
    }

    [Fact]
    public void ContractRecipients_AreTheCatalogues_WithoutTheDreetsForCompanyLists_UnlessNamed()
    {
        var contracts = PolicyLoader.Load(RepositoryPolicies).Contracts.ToDictionary(c => c.Id);
        Assert.Equal([OrganisationKind.Caisse, OrganisationKind.Spsti, OrganisationKind.Dreets], contracts["cpom-prevy-2025"].Exchanges["actions-entreprises"].To);
        Assert.Equal([OrganisationKind.Caisse, OrganisationKind.Spsti], contracts["cpom-pst38-2025"].Exchanges["actions-entreprises"].To);
        Assert.Equal([OrganisationKind.Dreets, OrganisationKind.Caisse], contracts["cpom-pst38-2025"].Exchanges["indicateurs"].To);
        Assert.Equal([OrganisationKind.Caisse], contracts["cpom-prevy-2025"].Exchanges["adherents"].To);
    }

    private void WriteOrganisations(string? text = null)
    {
        File.WriteAllText(Path.Combine(_dir, "organisations.yaml"), text ?? File.ReadAllText(Path.Combine(RepositoryPolicies, "organisations.yaml")));
        if (!File.Exists(Path.Combine(_dir, "exchanges.yaml")))
        {
            File.Copy(Path.Combine(RepositoryPolicies, "exchanges.yaml"), Path.Combine(_dir, "exchanges.yaml"));
        }
    }

    private void WriteContract(string name, string text)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "contracts"));
        File.WriteAllText(Path.Combine(_dir, "contracts", name), text);
    }

    private const string Exchanges = "exchanges:\n  - { type: adherents, purposes: [sinistralite] }\n";
    private const string GoodContract = "id: c1\ntitle: t\nparties:\n  spsti: prevy\n  caisse: carsat-lr\n  dreets: dreets-occitanie\nterm:\n  start: 2025-01-22\n  end: 2030-01-22\n" + Exchanges;

    [Theory]
    [InlineData("id: c1\ntitle: t\nparties:\n  spsti: prevy\n  caisse: nowhere\n  dreets: dreets-occitanie\nterm:\n  start: 2025-01-01\n  end: 2026-01-01\n", "nowhere")]
    [InlineData("id: c1\ntitle: t\nparties:\n  spsti: prevy\n  dreets: dreets-occitanie\nterm:\n  start: 2025-01-01\n  end: 2026-01-01\n", "parties.caisse")]
    [InlineData("id: c1\ntitle: t\nparties:\n  spsti: carsat-lr\n  caisse: carsat-lr\n  dreets: dreets-occitanie\nterm:\n  start: 2025-01-01\n  end: 2026-01-01\n", "n'est pas un(e) SPSTI")]
    [InlineData("id: c1\ntitle: t\nparties:\n  spsti: prevy\n  caisse: carsat-lr\n  dreets: dreets-occitanie\nterm:\n  start: 2026-01-01\n  end: 2025-01-01\n", "inversée")]
    [InlineData("id: c1\ntitle: t\nparties:\n  spsti: prevy\n  caisse: carsat-lr\n  dreets: dreets-occitanie\nterm:\n  start: 2025-01-01\n  end: 2031-01-01\n", "5 ans")]
    [InlineData("id: c1\ntitle: t\nparties:\n  spsti: prevy\n  caisse: carsat-lr\n  dreets: dreets-occitanie\nterm:\n  start: 01/01/2025\n  end: 2026-01-01\n", "term.start")]
    [InlineData("id: c1\ntitle: t\nparties:\n  spsti: prevy\n  caisse: carsat-lr\n  dreets: dreets-occitanie\nterm:\n  start: 2025-01-01\n  end: 2026-01-01\nvolet: [x]\n", "YAML invalide")]
    [InlineData("id: [unclosed\n", "YAML invalide")]
    public void BrokenContract_IsReported_WithFileAndEntry(string yaml, string fragment)
    {
        WriteOrganisations();
        WriteContract("broken.yaml", yaml);
        var (policies, errors) = PolicyLoader.TryLoad(_dir);
        Assert.Null(policies);
        Assert.Contains(errors, e => e.File == "contracts/broken.yaml" && e.ToString().Contains(fragment, StringComparison.Ordinal));
    }

    [Fact]
    public void OverlappingTerms_BetweenTheSameParties_AreReported()
    {
        WriteOrganisations();
        WriteContract("a.yaml", GoodContract);
        WriteContract("b.yaml", GoodContract.Replace("id: c1", "id: c2", StringComparison.Ordinal).Replace("2025-01-22", "2029-06-01", StringComparison.Ordinal).Replace("2030-01-22", "2031-01-01", StringComparison.Ordinal));
        var (_, errors) = PolicyLoader.TryLoad(_dir);
        Assert.Contains(errors, e => e.File == "contracts/b.yaml" && e.Message.Contains("chevauche", StringComparison.Ordinal));
    }

    [Fact]
    public void DuplicateContractIds_AreReported()
    {
        WriteOrganisations();
        WriteContract("a.yaml", GoodContract);
        WriteContract("b.yaml", GoodContract.Replace("prevy", "satm", StringComparison.Ordinal).Replace("carsat-lr", "carsat-pdl", StringComparison.Ordinal).Replace("dreets-occitanie", "dreets-pdl", StringComparison.Ordinal));
        var (_, errors) = PolicyLoader.TryLoad(_dir);
        Assert.Contains(errors, e => e.File == "contracts/b.yaml" && e.Entry == "c1" && e.Message.Contains("déjà utilisé", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryOrganisationError_IsReportedAtOnce()
    {
        WriteOrganisations("organisations:\n  - id: a\n    kind: SPSTI\n    name: A\n    siren: \"123456789\"\n  - id: a\n    kind: CABINET\n    name: B\n    siren: \"999000045\"\n  - kind: DREETS\n    siren: \"999000052\"\n");
        WriteContract("a.yaml", GoodContract);
        var (_, errors) = PolicyLoader.TryLoad(_dir);
        Assert.Contains(errors, e => e.Entry == "a" && e.Message.Contains("SIREN", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Entry == "a" && e.Message.Contains("déjà utilisé", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Entry == "a" && e.Message.Contains("CABINET", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Entry == "organisations[2]" && e.Message.Contains("id", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Entry == "organisations[2]" && e.Message.Contains("name", StringComparison.Ordinal));
        // ...and the contract naming organisations that did not load is reported too.
        Assert.Contains(errors, e => e.File == "contracts/a.yaml");
    }

    [Fact]
    public void MissingFolder_IsReported()
    {
        var (_, errors) = PolicyLoader.TryLoad(Path.Combine(_dir, "absent"));
        Assert.Single(errors);
    }

    [Fact]
    public void Load_Throws_ListingEveryError()
    {
        WriteOrganisations();
        WriteContract("x.yaml", "id: x\n");
        var e = Assert.Throws<PolicyException>(() => PolicyLoader.Load(_dir));
        // Three parties, two dates, no exchange: all six at once, each naming the file and the entry.
        Assert.Equal(6, e.Errors.Count);
        Assert.All(e.Errors, x => Assert.Equal(("contracts/x.yaml", "x"), (x.File, x.Entry)));
        Assert.Contains("contracts/x.yaml", e.Message, StringComparison.Ordinal);
    }
}
