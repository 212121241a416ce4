using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Indicators;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Tests.Indicators;

/// <summary>
/// A contract's own indicators (DOMAIN.md 8, issue 22 part 7): what the loader refuses in a contract
/// file, naming the file and the line; what the annual table's row check accepts under a contract.
/// </summary>
public sealed class ContractIndicatorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpom-indicators-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Policies => CpomExchange.Tests.Shared.TestPaths.Policies;

    // Line 1 to 12, then the indicators from line 13 on.
    private const string Head = "id: c1\ntitle: t\nparties:\n  spsti: prevy\n  caisse: carsat-lr\n  dreets: dreets-occitanie\nterm:\n  start: 2025-01-22\n  end: 2030-01-22\n"
        + "volets:\n  - { code: PDP, label: P }\n  - { code: RPS, label: R }\n";

    private const string Exchanges = "exchanges:\n  - { type: alertes-risque, purposes: [alerte-risque] }\n  - { type: indicateurs, purposes: [indicateurs] }\n";

    private IReadOnlyList<PolicyError> Load(string indicators, string exchanges = Exchanges)
    {
        File.Copy(Path.Combine(Policies, "organisations.yaml"), Path.Combine(_dir, "organisations.yaml"), overwrite: true);
        File.Copy(Path.Combine(Policies, "exchanges.yaml"), Path.Combine(_dir, "exchanges.yaml"), overwrite: true);
        Directory.CreateDirectory(Path.Combine(_dir, "contracts"));
        File.WriteAllText(Path.Combine(_dir, "contracts", "c1.yaml"), Head + "indicators:\n" + indicators + exchanges);
        var (_, errors) = PolicyLoader.TryLoad(_dir);
        return errors;
    }

    [Fact]
    public void AWellFormedBlock_Loads_WithItsIndicatorsInOrder()
    {
        var errors = Load("  - { volet: RPS, code: ALERTES, label: Alertes, unit: alertes, computed: alertes-emises }\n"
            + "  - { volet: PDP, code: ATELIERS, label: Ateliers, unit: ateliers, typed: true }\n");
        Assert.Empty(errors);
        var contract = Assert.Single(PolicyLoader.Load(_dir).Contracts);
        Assert.Equal(
            [new ContractIndicator("RPS", "ALERTES", "Alertes", "alertes", "alertes-emises"), new ContractIndicator("PDP", "ATELIERS", "Ateliers", "ateliers", null)],
            contract.Indicators);
    }

    [Theory]
    // Unknown formula.
    [InlineData("  - { volet: RPS, code: X1, label: l, unit: u, computed: alertes-inventees }\n", "X1", "Formule « alertes-inventees » inconnue")]
    // A volet the contract does not have.
    [InlineData("  - { volet: RADON, code: X1, label: l, unit: u, typed: true }\n", "X1", "Volet « RADON » absent du contrat (volets : PDP, RPS)")]
    // The DGT table's own code.
    [InlineData("  - { volet: PDP, code: SIGNALEMENTS_EMIS, label: l, unit: u, typed: true }\n", "SIGNALEMENTS_EMIS", "c'est un indicateur du tableau de suivi DGT")]
    // Both, or neither, of computed and typed.
    [InlineData("  - { volet: RPS, code: X1, label: l, unit: u, computed: alertes-emises, typed: true }\n", "X1", "l'un ou l'autre")]
    [InlineData("  - { volet: RPS, code: X1, label: l, unit: u }\n", "X1", "l'un ou l'autre")]
    // A formula counting an exchange the contract does not name.
    [InlineData("  - { volet: PDP, code: X1, label: l, unit: u, computed: signalements-emis }\n", "X1", "compte l'échange « signalements-pdp », que le contrat ne prévoit pas")]
    // Not a code.
    [InlineData("  - { volet: PDP, code: x-1, label: l, unit: u, typed: true }\n", "x-1", "majuscules, chiffres et _ seulement")]
    [InlineData("  - { volet: PDP, code: X1, unit: u, typed: true }\n", "X1", "Indicateur incomplet")]
    public void ABadIndicator_StopsThePolicy_NamingTheFileAndTheLine(string indicator, string code, string message)
    {
        var error = Assert.Single(Load(indicator));
        Assert.Equal("contracts/c1.yaml", error.File);
        Assert.Equal($"c1 / indicators[{code}] (ligne 14)", error.Entry);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADuplicateCode_IsRefusedOnItsSecondLine()
    {
        var error = Assert.Single(Load("  - { volet: PDP, code: X1, label: l, unit: u, typed: true }\n  - { volet: RPS, code: X1, label: m, unit: u, typed: true }\n"));
        Assert.Equal("c1 / indicators[X1] (ligne 15)", error.Entry);
        Assert.Equal("Indicateur « X1 » déclaré deux fois.", error.Message);
    }

    [Fact]
    public void Indicators_InAContractWithoutTheAnnualTable_AreRefused()
    {
        var error = Assert.Single(Load("  - { volet: PDP, code: X1, label: l, unit: u, typed: true }\n", "exchanges:\n  - { type: alertes-risque, purposes: [alerte-risque] }\n"));
        Assert.Equal("c1 / indicators (ligne 14)", error.Entry);
        Assert.Contains("ne prévoit pas le tableau de suivi", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SeedContracts_DeclareTheirFichesIndicators_ComputedWhereTheGatewayHoldsTheData()
    {
        var contracts = PolicyLoader.Load(Policies).Contracts.ToDictionary(c => c.Id);
        var pst38 = contracts["cpom-pst38-2025"].Indicators;
        Assert.Equal(26, pst38.Count);
        Assert.Equal(["RETOURS_SERVICE_SOCIAL:retours-recus", "ALERTES_TRANSMISES:alertes-emises", "SUIVIS_ETABLISSEMENTS_CIBLES:suivis-emis"],
            pst38.Where(i => !i.Typed).Select(i => $"{i.Code}:{i.Formula}"));
        Assert.Contains(pst38, i => i is { Code: "VISITES_PRE_REPRISE_MEDECIN_CONSEIL", Volet: "PDP", Typed: true });
        Assert.Contains(pst38, i => i is { Code: "IDEST_TOTAL", Volet: "RPS", Typed: true });
        var satm = contracts["cpom-satm-2025"].Indicators;
        Assert.Equal(12, satm.Count);
        Assert.Equal(["PDP", "RADON"], satm.Select(i => i.Volet).Distinct());
        Assert.Empty(contracts["cpom-prevy-2025"].Indicators);
    }

    private static (ExchangeDefinition Table, Dictionary<string, Contract> Contracts) Seeds()
    {
        var policies = PolicyLoader.Load(Policies);
        return (policies.Exchanges[ReportingPolicy.Indicators], policies.Contracts.ToDictionary(c => c.Id));
    }

    private static string[] Row(string theme, string indicator) => ["2026", "", "", theme, indicator, "3", "", ""];

    [Fact]
    public void TableRows_UnderAContract_AreTheDgtTablesOrItsOwnIndicators_UnderTheirVolet()
    {
        var (table, contracts) = Seeds();
        var check = ContractIndicatorRows.Check(table, contracts["cpom-pst38-2025"])!;
        Assert.Null(check(Row("PDP", "SIGNALEMENTS_EMIS")));
        Assert.Null(check(Row("PDP", "etablissements_formes"))); // the DGT list, case-insensitive as before
        Assert.Null(check(Row("RPS", "ALERTES_TRANSMISES")));
        Assert.Null(check(Row("PDP", "VISITES_PRE_REPRISE")));

        var undeclared = check(Row("PDP", "VISITES_INVENTEES"))!;
        Assert.Equal((ContractIndicatorRows.IndicatorColumn, ErrorCatalog.ReportIndicatorNotInContract), (undeclared.Column, undeclared.Code));
        Assert.Contains("ni un indicateur déclaré par le contrat « cpom-pst38-2025 »", undeclared.Reason, StringComparison.Ordinal);

        var elsewhere = check(Row("PDP", "ALERTES_TRANSMISES"))!;
        Assert.Equal((ContractIndicatorRows.ThemeColumn, ErrorCatalog.ReportIndicatorOutsideVolet), (elsewhere.Column, elsewhere.Code));
        Assert.Equal("L'indicateur « ALERTES_TRANSMISES » du contrat « cpom-pst38-2025 » relève du volet « RPS », pas de « PDP ».", elsewhere.Reason);
    }

    [Fact]
    public void AnotherContractsIndicator_IsRefused_UnderThisOne()
    {
        var (table, contracts) = Seeds();
        // P.S.T.38's indicator, sent under SATM's contract (which declares its own), then under PREVY's (which declares none).
        var satm = ContractIndicatorRows.Check(table, contracts["cpom-satm-2025"])!(Row("PDP", "VISITES_PRE_REPRISE"))!;
        Assert.Equal(ErrorCatalog.ReportIndicatorNotInContract, satm.Code);
        Assert.Contains("« cpom-satm-2025 » (les siens : ATELIERS_PDP,", satm.Reason, StringComparison.Ordinal);
        var prevy = ContractIndicatorRows.Check(table, contracts["cpom-prevy-2025"])!(Row("PDP", "VISITES_PRE_REPRISE"))!;
        Assert.Equal(ErrorCatalog.ReportIndicatorNotInContract, prevy.Code);
        Assert.EndsWith("(il n'en déclare aucun).", prevy.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTablesSchema_OpensTheIndicatorColumn_AndOnlyIt()
    {
        var (table, _) = Seeds();
        var schema = ContractIndicatorRows.SchemaFor(table);
        Assert.Equal(ColumnKind.Enum, table.Schema.Find("indicateur")!.Kind);
        Assert.Equal((ColumnKind.Text, (IReadOnlyList<string>?)null), (schema.Find("indicateur")!.Kind, schema.Find("indicateur")!.Values));
        Assert.Equal(table.Schema.Columns.Where(c => c.Name != "indicateur"), schema.Columns.Where(c => c.Name != "indicateur"));
        Assert.Equal(ColumnKind.Enum, schema.Find("theme")!.Kind);
    }

    [Fact]
    public void ContractRows_PrefillComputedIndicators_LeaveTypedOnesEmpty_AndHideHealthCountsFromAgents()
    {
        var (_, contracts) = Seeds();
        var pst38 = contracts["cpom-pst38-2025"];
        var table = new AnnualTable(2026, [], []);
        var computed = new Dictionary<string, long> { ["RETOURS_SERVICE_SOCIAL"] = 4, ["ALERTES_TRANSMISES"] = 7, ["SUIVIS_ETABLISSEMENTS_CIBLES"] = 0 };
        string Line(IReadOnlyDictionary<string, string> r) => $"{r["theme"]};{r["indicateur"]};{r["nombre"]};{r["dont_suivis_caisse"]}";

        var all = table.ContractRows(pst38, computed, establishments: true, signalements: true).Select(Line).ToList();
        Assert.Equal(26, all.Count);
        Assert.Equal("PDP;IRDP_RENSEIGNES;;", all[0]);
        Assert.Contains("PDP;RETOURS_SERVICE_SOCIAL;4;", all);
        Assert.Contains("RPS;ALERTES_TRANSMISES;7;", all);
        Assert.Equal("RPS;SUIVIS_ETABLISSEMENTS_CIBLES;0;", all[^1]);

        var agent = table.ContractRows(pst38, computed, establishments: true, signalements: false).Select(Line).ToList();
        Assert.Equal(25, agent.Count);
        Assert.DoesNotContain(agent, l => l.Contains("RETOURS", StringComparison.Ordinal));

        var pdp = table.ContractRows(pst38, computed, establishments: false, signalements: true).Select(Line).ToList();
        Assert.Equal(["PDP;RETOURS_SERVICE_SOCIAL;4;"], pdp);
    }
}
