using CpomExchange.Rules.Masking;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Rules.Tests.Masking;

/// <summary>Statistical secrecy of the repository's <c>sinistralite</c> rule, row by row.</summary>
public sealed class SmallCountMaskTests
{
    private static readonly PolicySet Policies = PolicyLoader.Load(TestPaths.Policies);
    private static readonly ExchangeDefinition Sinistralite = Policies.Exchanges["sinistralite"];
    private static readonly Contract Prevy = Policies.Contracts.Single(c => c.Id == "cpom-prevy-2025");

    // siret;annee;effectif;nb_at;nb_at_trajet;nb_mp;journees_it;nb_ip;nb_deces;indice_frequence;taux_gravite;code_risque;ctn
    private static string[] Row(string nbAt, string trajet = "0", string mp = "0", string ip = "0", string deces = "0", string days = "212", string rate = "62,5", string severity = "2,7") =>
        ["01338908538633", "2025", "48", nbAt, trajet, mp, days, ip, deces, rate, severity, "602MB", "C"];

    [Theory]
    [InlineData("1")]
    [InlineData("4")]
    public void SmallAccidentCount_IsMasked_WithEverythingThatGivesItBack(string nbAt)
    {
        var cells = Row(nbAt);
        var masked = SmallCountMask.For(Sinistralite, Prevy)!.Apply(cells);
        Assert.Equal("01338908538633;2025;48;<5;0;0;secret;0;0;secret;secret;602MB;C", string.Join(';', cells));
        Assert.Equal(4, masked);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("5")]
    [InlineData("123456789")]
    public void ZeroAndCountsFromTheThreshold_AreShown(string nbAt)
    {
        var cells = Row(nbAt);
        Assert.Equal(0, SmallCountMask.For(Sinistralite, Prevy)!.Apply(cells));
        Assert.Equal(Row(nbAt), cells);
    }

    [Fact]
    public void OtherSmallCounts_AreMasked_WithoutTheAccidentRates()
    {
        // nb_at (9) is shown, so its rates are; each small count of another kind is masked alone.
        var cells = Row("9", trajet: "2", mp: "3", ip: "1", deces: "4");
        Assert.Equal(4, SmallCountMask.For(Sinistralite, Prevy)!.Apply(cells));
        Assert.Equal("01338908538633;2025;48;9;<5;<5;212;<5;<5;62,5;2,7;602MB;C", string.Join(';', cells));
    }

    [Fact]
    public void EmptyCells_AreLeftEmpty_AndNotCounted()
    {
        var cells = Row("2", days: "", rate: "", severity: "");
        Assert.Equal(1, SmallCountMask.For(Sinistralite, Prevy)!.Apply(cells));
        Assert.Equal("01338908538633;2025;48;<5;0;0;;0;0;;;602MB;C", string.Join(';', cells));
    }

    [Theory]
    [InlineData("7", "<8", 4)]
    [InlineData("5", "<8", 4)]
    [InlineData("8", "8", 0)]
    public void ContractThreshold_ReplacesTheCatalogues_WithItsOwnMarker(string nbAt, string shown, int maskedCells)
    {
        var mask = SmallCountMask.For(Sinistralite, Prevy with { MaskingThreshold = 8 })!;
        Assert.Equal((8, "<8", "secret"), (mask.Threshold, mask.Marker, mask.SecondaryMarker));
        var cells = Row(nbAt);
        Assert.Equal(maskedCells, mask.Apply(cells));
        Assert.Equal(shown, cells[3]);
    }

    [Fact]
    public void ContractThresholdBelowTheCatalogues_NeverLowersIt()
    {
        // The loader refuses such a contract; the mask holds the catalogue's threshold all the same.
        var mask = SmallCountMask.For(Sinistralite, Prevy with { MaskingThreshold = 2 })!;
        Assert.Equal((5, "<5"), (mask.Threshold, mask.Marker));
    }

    [Fact]
    public void ExchangeWithoutMasking_HasNoMask() =>
        Assert.Null(SmallCountMask.For(Policies.Exchanges["adherents"], Prevy));
}
