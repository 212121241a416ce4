using CpomExchange.Rules.Indicators;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Tests.Policies;

namespace CpomExchange.Rules.Tests.Indicators;

/// <summary>The annual table's definitions (seed 004, "Tableau de suivi annuel" and its legend).</summary>
public sealed class AnnualTableTests
{
    private static readonly Contract Pst38 = PolicyLoader.Load(PolicyLoaderTests.RepositoryPolicies).Contracts.Single(c => c.Id == "cpom-pst38-2025");

    private static readonly UInt128 A = 1, B = 2, C = 3, D = 4;

    [Theory]
    [InlineData("FORMATION", AnnualIndicators.Trained)]
    [InlineData("VISITE", AnnualIndicators.Accompanied)]
    [InlineData("MESURE", AnnualIndicators.Accompanied)]
    [InlineData("ACCOMPAGNEMENT", AnnualIndicators.Accompanied)]
    [InlineData("COMMUNICATION", AnnualIndicators.Communication)]
    [InlineData("SENSIBILISATION", AnnualIndicators.Communication)]
    [InlineData("INCONNU", null)]
    public void EachTypeOfAction_CountsForTheLegendsIndicator(string typeAction, string? indicator) =>
        Assert.Equal(indicator, AnnualIndicators.Of(typeAction));

    [Fact]
    public void Table_CountsDistinctEstablishments_PerThemeAndIndicator_AndThoseTheCaisseTargeted()
    {
        var table = new AnnualTable(2026, ["PDP", "RPS"], [B, D]);
        table.AddAction(A, "VISITE", "RPS", "14/01/2026");
        table.AddAction(A, "MESURE", "RPS", "15/01/2026");          // the same establishment: counted once
        table.AddAction(B, "ACCOMPAGNEMENT", "RPS", "31/12/2026");  // the year's last day
        table.AddAction(C, "ACCOMPAGNEMENT", "RPS", "01/01/2027");  // next year's
        table.AddAction(C, "FORMATION", "RPS", "31/12/2025");       // last year's
        table.AddAction(D, "FORMATION", "PDP", "01/01/2026");
        table.AddAction(D, "SENSIBILISATION", "PDP", "02/03/2026");
        table.AddAction(A, "COMMUNICATION", "PDP", "02/03/2026");
        table.AddAction(A, "FORMATION", "RISQUE_ROUTIER", "02/03/2026"); // not a volet of the contract

        Assert.Equal((2L, 1L), table.Count("RPS", AnnualIndicators.Accompanied));
        Assert.Equal((0L, 0L), table.Count("RPS", AnnualIndicators.Trained));
        Assert.Equal((1L, 1L), table.Count("PDP", AnnualIndicators.Trained));
        Assert.Equal((2L, 1L), table.Count("PDP", AnnualIndicators.Communication));
        Assert.Equal(6, table.ActionsCounted);
        Assert.Equal(1, table.ActionsOutsideVolets);
    }

    [Fact]
    public void Rows_ArePerVoletAndIndicator_WithTheContractsDates_AndCommentsLeftToTheSpsti()
    {
        var table = new AnnualTable(2026, ["PDP", "RPS"], [B]);
        table.AddAction(B, "FORMATION", "PDP", "10/02/2026");
        var rows = table.Rows(Pst38, establishments: true, signalements: (3, 1)).Select(Line).ToList();
        Assert.Equal(
        [
            "2026;30/07/2025;29/07/2030;PDP;ETABLISSEMENTS_FORMES;1;1;",
            "2026;30/07/2025;29/07/2030;PDP;ETABLISSEMENTS_ACCOMPAGNES;0;0;",
            "2026;30/07/2025;29/07/2030;PDP;ETABLISSEMENTS_COMMUNICATION;0;0;",
            "2026;30/07/2025;29/07/2030;PDP;SIGNALEMENTS_EMIS;3;;",
            "2026;30/07/2025;29/07/2030;PDP;SIGNALEMENTS_RECUS;1;;",
            "2026;30/07/2025;29/07/2030;RPS;ETABLISSEMENTS_FORMES;0;0;",
            "2026;30/07/2025;29/07/2030;RPS;ETABLISSEMENTS_ACCOMPAGNES;0;0;",
            "2026;30/07/2025;29/07/2030;RPS;ETABLISSEMENTS_COMMUNICATION;0;0;",
        ], rows);
    }

    [Fact]
    public void Rows_HoldOnlyTheSectionsGiven()
    {
        var table = new AnnualTable(2026, ["PDP", "RPS"], []);
        Assert.Equal(["PDP;SIGNALEMENTS_EMIS", "PDP;SIGNALEMENTS_RECUS"],
            table.Rows(Pst38, establishments: false, signalements: (0, 0)).Select(r => r["theme"] + ";" + r["indicateur"]));
        Assert.DoesNotContain(table.Rows(Pst38, establishments: true, signalements: null), r => r["indicateur"].StartsWith("SIGNALEMENTS", StringComparison.Ordinal));
        Assert.Equal(6, table.Rows(Pst38, establishments: true, signalements: null).Count());
    }

    [Fact]
    public void TheYear_IsCutInTheLegalTimeZone()
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var (start, end) = AnnualIndicators.UtcBounds(2026, paris);
        Assert.Equal(new DateTime(2025, 12, 31, 23, 0, 0, DateTimeKind.Utc), start);
        Assert.Equal(new DateTime(2026, 12, 31, 23, 0, 0, DateTimeKind.Utc), end);
        Assert.Equal(DateTimeKind.Utc, start.Kind);
    }

    private static string Line(IReadOnlyDictionary<string, string> row) =>
        string.Join(';', new[] { "annee", "date_signature", "date_fin", "theme", "indicateur", "nombre", "dont_suivis_caisse", "commentaire" }.Select(c => row[c]));
}
