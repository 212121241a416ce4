using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Registre;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Rules.Tests.Registre;

/// <summary>
/// The record of processing (RGPD art. 30) as an auditor checks it against the contracts: every
/// exchange of every seed contract in the record of each controller concerned, on the right side,
/// with its retention, and in no other organisation's record; a third party only with an authorisation.
/// </summary>
public sealed class RegistreTests
{
    private static readonly PolicySet Seeds = PolicyLoader.Load(TestPaths.Policies);
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Day = new(2026, 3, 2);

    /// <summary>The kinds that receive <paramref name="x"/> under a contract: the contract's list, else the catalogue's.</summary>
    private static IReadOnlyCollection<OrganisationKind> Receivers(PolicySet policies, ContractExchange x) =>
        x.To.Count > 0 ? x.To : policies.Exchanges[x.Type].To;

    [Fact]
    public void EveryExchangeOfEverySeedContract_IsInTheRecordOfEachPartyConcerned_OnItsSide_AndOfNoOtherOrganisation()
    {
        var records = Seeds.Organisations.Keys.ToDictionary(id => id, id => RegistreBuilder.Build(Seeds, id, Day, Now));
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var signed in Seeds.Contracts)
        {
            var contract = signed.On(Day);
            Assert.NotEmpty(contract.Exchanges);
            foreach (var x in contract.Exchanges.Values)
            {
                var definition = Seeds.Exchanges[x.Type];
                if (definition.Category == DataCategory.Document)
                {
                    // The contract's documents are no processing of personal data: in no record (asserted below).
                    continue;
                }
                foreach (var party in contract.Parties.Select(id => Seeds.Organisations[id]))
                {
                    if (definition.From.Contains(party.Kind))
                    {
                        expected.Add($"{party.Id} {contract.Id} {x.Type} {ProcessingRole.Sender} {definition.RetentionDays}");
                    }
                    if (Receivers(Seeds, x).Contains(party.Kind))
                    {
                        expected.Add($"{party.Id} {contract.Id} {x.Type} {ProcessingRole.Recipient} {definition.RetentionDays}");
                    }
                }
            }
        }
        var actual = records.SelectMany(r => r.Value.Entries.Select(e => $"{r.Key} {e.Contract} {e.ExchangeType} {e.Role} {e.RetentionDays}")).ToList();
        Assert.Contains(Seeds.Contracts, c => c.Exchanges.ContainsKey("document"));
        Assert.DoesNotContain(records.Values.SelectMany(r => r.Entries), e => e.ExchangeType == "document");
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
        // Each entry is numbered in its record, without gaps.
        foreach (var record in records.Values)
        {
            Assert.Equal(Enumerable.Range(1, record.Entries.Count).Select(i => $"T{i:00}"), record.Entries.Select(e => e.Number));
        }
    }

    [Fact]
    public void AnEntry_NamesTheCounterparts_ThePurposesWithTheirLegalBasis_HealthData_NoTransfer_AndTheDpo()
    {
        var record = RegistreBuilder.Build(Seeds, "pst38", Day, Now);
        var sent = Assert.Single(record.Entries, e => e.ExchangeType == "signalements-pdp" && e.Role == ProcessingRole.Sender);
        Assert.Equal(["carsat-ra"], sent.Counterparts.Select(c => c.Id));
        Assert.Equal(["pdp"], sent.Purposes.Select(p => p.Code));
        Assert.Equal(Seeds.Purposes["pdp"].LegalBasis.Rgpd, sent.Purposes[0].Rgpd);
        Assert.True(sent.HealthData);
        Assert.Equal(RegistreBuilder.NoTransfer, sent.Transfers);
        Assert.Equal("dpo@pst38.example", record.Controller.Dpo?.Email);
        Assert.Equal(Seeds.Hash, record.PolicyHash);
        var adherents = Assert.Single(record.Entries, e => e.ExchangeType == "adherents");
        Assert.False(adherents.HealthData);
    }

    [Fact]
    public void ThePdpExchangesOf004_AreUnderAJointArrangement_AndBothRecordsNameTheContactPointsDpo()
    {
        foreach (var org in new[] { "pst38", "carsat-ra" })
        {
            var record = RegistreBuilder.Build(Seeds, org, Day, Now);
            var pdp = record.Entries.Where(e => e.ExchangeType is "signalements-pdp" or "retour-signalement").ToList();
            Assert.Equal(4, pdp.Count); // each sent by one and received by the other
            foreach (var e in pdp)
            {
                Assert.Equal(ControllerRelation.Joint, e.Controllership.Relation);
                Assert.Contains("Convention de responsabilité conjointe", e.Controllership.Arrangement, StringComparison.Ordinal);
                Assert.Equal("dpo@pst38.example", Seeds.Organisations["pst38"].Dpo!.Email);
                Assert.Contains("dpo@pst38.example", e.Controllership.RespondingDpo, StringComparison.Ordinal);
            }
            var separate = Assert.Single(record.Entries, e => e.ExchangeType == "entreprises-ciblees" && e.Contract == "cpom-pst38-2025");
            Assert.Equal(ControllerRelation.Separate, separate.Controllership.Relation);
            Assert.Contains($"dpo@{org}.example", separate.Controllership.RespondingDpo, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AThirdPartyWithoutAuthorisation_IsNoRecipient_AndWithOne_IsOneWhileItIsInForce()
    {
        // carsat-lr (the caisse of another contract) is no party to cpom-pst38-2025.
        foreach (var id in Seeds.Organisations.Keys)
        {
            Assert.DoesNotContain(RegistreBuilder.Build(Seeds, id, Day, Now).Entries,
                e => e.Contract == "cpom-pst38-2025" && (id == "carsat-lr" || e.Counterparts.Any(c => c.Id == "carsat-lr")));
        }
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
        var received = Assert.Single(RegistreBuilder.Build(policies, "carsat-lr", Day, Now).Entries, e => e.Contract == "cpom-pst38-2025");
        Assert.Equal((ProcessingRole.Recipient, "adherents", "pst38"), (received.Role, received.ExchangeType, received.Counterparts.Single().Id));
        Assert.Contains("PST38/CARSAT-LR 2026-01", received.Disclosure, StringComparison.Ordinal);
        var disclosed = Assert.Single(RegistreBuilder.Build(policies, "pst38", Day, Now).Entries, e => e.Counterparts.Any(c => c.Id == "carsat-lr"));
        Assert.Equal((ProcessingRole.Sender, "adherents"), (disclosed.Role, disclosed.ExchangeType));
        // The other parties disclose nothing: no third party in their records.
        foreach (var other in new[] { "carsat-ra", "dreets-aura" })
        {
            Assert.DoesNotContain(RegistreBuilder.Build(policies, other, Day, Now).Entries, e => e.Counterparts.Any(c => c.Id == "carsat-lr"));
        }
        // After its end, the authorisation no longer makes carsat-lr a recipient.
        Assert.DoesNotContain(RegistreBuilder.Build(policies, "carsat-lr", new DateOnly(2026, 7, 1), Now).Entries, e => e.Contract == "cpom-pst38-2025");
    }

    [Fact]
    public void AnUnknownOrganisation_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => RegistreBuilder.Build(Seeds, "inconnue", Day, Now));
        Assert.Contains("inconnue", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>A throw-away copy of the repository's policy folder, to add or change a file.</summary>
internal sealed class PolicyCopy : IDisposable
{
    public PolicyCopy()
    {
        Path = Directory.CreateTempSubdirectory("cpom-policies-").FullName;
        foreach (var file in Directory.GetFiles(TestPaths.Policies, "*.yaml", SearchOption.AllDirectories))
        {
            var target = System.IO.Path.Combine(Path, System.IO.Path.GetRelativePath(TestPaths.Policies, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public string Path { get; }

    public void Write(string relative, string content) => File.WriteAllText(System.IO.Path.Combine(Path, relative), content);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
