using System.Globalization;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Masking;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Rules.Tests.Masking;

/// <summary>
/// Statistical secrecy of the repository's <c>statistiques-sinistralite</c> table, attacked the way a
/// recipient would (<see cref="TableAttacker"/>): from a masked cell's own row, and from the sums of
/// its sector and its area, no masked value may come back.
/// </summary>
public sealed class StatisticalTableMaskTests
{
    private static readonly PolicySet Policies = PolicyLoader.Load(TestPaths.Policies);
    private static readonly ExchangeDefinition Statistiques = Policies.Exchanges["statistiques-sinistralite"];
    private static readonly Contract Pst38 = Policies.Contracts.Single(c => c.Id == "cpom-pst38-2025");

    private const int Code = 2, Zone = 3;

    private static StatisticalTableMask Mask(Contract? contract = null) => StatisticalTableMask.For(Statistiques, contract ?? Pst38)!;

    /// <summary>A row with its rates computed as a caisse would: IF per 1,000 employees, TG per 1,000 hours (1,607 a year each).</summary>
    private static string[] Row(string code, string zone, long etablissements, long effectif, long nbAt, long mp = 0, long? days = null, long ip = 0, long deces = 0, string niveau = "CTN")
    {
        var journees = days ?? nbAt * 20;
        return ["2025", niveau, code, zone, N(etablissements), N(effectif), N(nbAt), N(mp), N(journees), N(ip), N(deces),
            effectif == 0 ? "0" : (nbAt * 1000m / effectif).ToString("0.0", CultureInfo.InvariantCulture).Replace('.', ','),
            effectif == 0 ? "0" : (journees * 1000m / (effectif * 1607m)).ToString("0.00", CultureInfo.InvariantCulture).Replace('.', ',')];
    }

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A consistent table: the parts given, with every REGION and TOUS total computed from them.</summary>
    private static List<string[]> WithTotals(List<(string Code, string Zone, long Etab, long Eff, long At, long Mp, long Days, long Ip, long Deces)> parts)
    {
        var rows = parts.Select(p => Row(p.Code, p.Zone, p.Etab, p.Eff, p.At, p.Mp, p.Days, p.Ip, p.Deces)).ToList();
        string[] Sum(IEnumerable<(string Code, string Zone, long Etab, long Eff, long At, long Mp, long Days, long Ip, long Deces)> ps, string code, string zone)
        {
            var l = ps.ToList();
            return Row(code, zone, l.Sum(p => p.Etab), l.Sum(p => p.Eff), l.Sum(p => p.At), l.Sum(p => p.Mp), l.Sum(p => p.Days), l.Sum(p => p.Ip), l.Sum(p => p.Deces));
        }
        foreach (var code in parts.Select(p => p.Code).Distinct())
        {
            rows.Add(Sum(parts.Where(p => p.Code == code), code, "REGION"));
        }
        foreach (var zone in parts.Select(p => p.Zone).Distinct())
        {
            rows.Add(Sum(parts.Where(p => p.Zone == zone), "TOUS", zone));
        }
        rows.Add(Sum(parts, "TOUS", "REGION"));
        return rows;
    }

    private static string Cell(List<string[]> rows, string code, string zone, int column) => rows.Single(r => r[2] == code && r[3] == zone)[column];

    [Fact]
    public void TheAttacker_RecoversALoneMaskedCell_FromTheTotal_AndFromTheRate()
    {
        // The attacker must be able to win, or its silence below proves nothing.
        var rows = WithTotals([("A", "38", 20, 400, 12, 0, 100, 0, 0), ("A", "73", 30, 900, 25, 0, 300, 0, 0)]);
        var byTotal = rows.Select(r => (string[])r.Clone()).ToList();
        var a38 = rows.FindIndex(r => r[2] == "A" && r[3] == "38");
        byTotal[a38][TableAttacker.NbAt] = "secret";
        byTotal[a38][TableAttacker.IndiceFrequence] = "secret";
        Assert.Equal(12, TableAttacker.Recover(byTotal)[(a38, TableAttacker.NbAt)]);
        var byRate = rows.Select(r => (string[])r.Clone()).ToList();
        byRate[a38][TableAttacker.NbAt] = "secret";
        var a73 = rows.FindIndex(r => r[2] == "A" && r[3] == "73");
        byRate[a73][TableAttacker.NbAt] = "secret";
        byRate[a73][TableAttacker.IndiceFrequence] = "secret";
        var recovered = TableAttacker.Recover(byRate);
        Assert.Equal(12, recovered[(a38, TableAttacker.NbAt)]);
        // ... and then, the sum giving the other one back.
        Assert.Equal(25, recovered[(a73, TableAttacker.NbAt)]);
    }

    [Fact]
    public void OneMaskedCellInAGroup_TheNextSmallestOfTheGroupIsMaskedToo()
    {
        // Sector A over four départements and the region: 38 has 3 accidents (masked); of the others, 73 has the fewest.
        var rows = WithTotals([("A", "38", 20, 400, 3, 0, 60, 0, 0), ("A", "73", 25, 500, 9, 0, 90, 0, 0), ("A", "74", 30, 900, 15, 0, 200, 0, 0), ("A", "01", 40, 800, 30, 0, 400, 0, 0)])
            .Where(r => r[2] != "TOUS").ToList();
        var masked = Mask().Apply(rows);

        Assert.Equal("<5", Cell(rows, "A", "38", TableAttacker.NbAt));
        Assert.Equal("secret", Cell(rows, "A", "73", TableAttacker.NbAt));
        Assert.Equal("15", Cell(rows, "A", "74", TableAttacker.NbAt));
        Assert.Equal("30", Cell(rows, "A", "01", TableAttacker.NbAt));
        Assert.Equal("57", Cell(rows, "A", "REGION", TableAttacker.NbAt));
        // 73's IF would give its nb_at back from its effectif: masked with it.
        Assert.Equal("secret", Cell(rows, "A", "73", TableAttacker.IndiceFrequence));
        Assert.Equal("500", Cell(rows, "A", "73", TableAttacker.Effectif));
        // journees_it of 38 (masked with its small count) takes 73's days along the same way.
        Assert.Equal("secret", Cell(rows, "A", "73", 8));
        // 38: nb_at, journees_it, IF, TG; 73: nb_at, IF, journees_it, TG.
        Assert.Equal(8, masked);
        Assert.Empty(TableAttacker.Recover(rows));
    }

    [Fact]
    public void MaskingChainsAcrossTheTwoDimensions()
    {
        // Two sectors × two départements with every total. A/38 is small; protecting it in its sector
        // (zone margin) masks A/73, which then stands alone in département 73 (sector margin): B/73
        // goes, then B/38 for département 38, which also closes sector B.
        var rows = WithTotals([("A", "38", 20, 400, 2, 0, 10, 0, 0), ("A", "73", 20, 400, 10, 0, 80, 0, 0), ("B", "38", 30, 600, 40, 0, 300, 0, 0), ("B", "73", 30, 700, 50, 0, 500, 0, 0)]);
        Mask().Apply(rows);

        Assert.Equal("<5", Cell(rows, "A", "38", TableAttacker.NbAt));
        Assert.Equal("secret", Cell(rows, "A", "73", TableAttacker.NbAt));
        Assert.Equal("secret", Cell(rows, "B", "73", TableAttacker.NbAt));
        Assert.Equal("secret", Cell(rows, "B", "38", TableAttacker.NbAt));
        Assert.Equal(["12", "90", "42", "60", "102"],
            new[] { ("A", "REGION"), ("B", "REGION"), ("TOUS", "38"), ("TOUS", "73"), ("TOUS", "REGION") }.Select(x => Cell(rows, x.Item1, x.Item2, TableAttacker.NbAt)));
        Assert.Empty(TableAttacker.Recover(rows));
    }

    [Fact]
    public void TwoBlocksJoinedByOneCell_EveryGroupHoldsTwo_YetTheJoiningCellIsPinnedDown_SoItGetsAPartner()
    {
        // Small accident counts in two 2×2 blocks (A, B × 38, 73 and C, D × 74, 01) and in B/74, which
        // joins them: every sector and every département holds two or three masked cells, so no
        // total minus the others gives one back. Yet B/74 = (B's total − B/01) − (A/38 + A/73 + B/38 +
        // B/73 summed from the département totals) + (A's total − A/74 − A/01): a bridge.
        var small = new HashSet<(string, string)> { ("A", "38"), ("A", "73"), ("B", "38"), ("B", "73"), ("C", "74"), ("C", "01"), ("D", "74"), ("D", "01"), ("B", "74") };
        var parts = new List<(string, string, long, long, long, long, long, long, long)>();
        var i = 0;
        foreach (var code in new[] { "A", "B", "C", "D" })
        {
            foreach (var zone in new[] { "38", "73", "74", "01" })
            {
                var nbAt = small.Contains((code, zone)) ? 1 + i % 4 : 20 + i;
                parts.Add((code, zone, 30 + i, 900 + 10 * i, nbAt, 0, 0, 0, 0));
                i++;
            }
        }
        var rows = WithTotals(parts);
        var original = rows.Select(r => (string[])r.Clone()).ToList();
        Mask().Apply(rows);

        Assert.Equal("<5", Cell(rows, "B", "74", TableAttacker.NbAt));
        // One more cell than the nine small counts, in B's sector or the 74's département (its two groups).
        var maskedAtCells = rows.Where(r => r[TableAttacker.NbAt] is "<5" or "secret").Select(r => (r[Code], r[Zone])).ToList();
        var added = Assert.Single(maskedAtCells, c => !small.Contains(c));
        Assert.True(added.Item1 == "B" || added.Item2 == "74", $"{added}");
        Assert.Empty(TableAttacker.Recover(rows));
        // The control: with only the nine small counts masked, the attacker does pin B/74 down.
        var naive = original.Select(r => (string[])r.Clone()).ToList();
        foreach (var r in naive.Where(r => small.Contains((r[Code], r[Zone]))))
        {
            r[TableAttacker.NbAt] = "<5";
            r[TableAttacker.IndiceFrequence] = "secret";
        }
        var b74 = naive.FindIndex(r => r[Code] == "B" && r[Zone] == "74");
        Assert.Equal(long.Parse(original[b74][TableAttacker.NbAt], CultureInfo.InvariantCulture), TableAttacker.Recover(naive)[(b74, TableAttacker.NbAt)]);
    }

    [Fact]
    public void ACellOfFewEstablishments_IsMaskedWhole_AndItsPartnerInEachGroup()
    {
        var rows = WithTotals([("A", "38", 3, 40, 6, 1, 60, 1, 0), ("A", "73", 20, 400, 10, 0, 80, 0, 0), ("B", "38", 30, 600, 40, 2, 300, 0, 1), ("B", "73", 30, 700, 50, 0, 500, 0, 0)]);
        Mask().Apply(rows);

        var a38 = rows.Single(r => r[2] == "A" && r[3] == "38");
        // Every figure, the zero deaths too: a masked row says nothing.
        Assert.Equal(["2025", "CTN", "A", "38", "<5", "secret", "secret", "secret", "secret", "secret", "secret", "secret", "secret"], a38);
        // The effectif and the establishments of A/73 go with it (sector A's regional total would give
        // them back), and B/38's (département 38's total), then B/73's (département 73's), with the
        // rates they would give back; the totals stay.
        foreach (var (code, zone) in new[] { ("A", "73"), ("B", "38"), ("B", "73") })
        {
            Assert.Equal("secret", Cell(rows, code, zone, TableAttacker.Effectif));
            Assert.Equal("secret", Cell(rows, code, zone, TableAttacker.Etablissements));
            Assert.Equal("secret", Cell(rows, code, zone, TableAttacker.IndiceFrequence));
        }
        Assert.Equal(["440", "1300", "640", "1100", "1740"],
            new[] { ("A", "REGION"), ("B", "REGION"), ("TOUS", "38"), ("TOUS", "73"), ("TOUS", "REGION") }.Select(x => Cell(rows, x.Item1, x.Item2, TableAttacker.Effectif)));
        Assert.Empty(TableAttacker.Recover(rows));
    }

    [Fact]
    public void ZeroEstablishments_AndLargeCounts_AreShown()
    {
        var rows = WithTotals([("A", "38", 0, 0, 0, 0, 0, 0, 0), ("A", "73", 20, 400, 10, 5, 80, 6, 0)]).Where(r => r[2] != "TOUS").ToList();
        var before = rows.Select(r => string.Join(';', r)).ToList();
        Assert.Equal(0, Mask().Apply(rows));
        Assert.Equal(before, rows.Select(r => string.Join(';', r)));
    }

    [Fact]
    public void TheContractsHigherThreshold_Applies()
    {
        var rows = WithTotals([("A", "38", 7, 200, 12, 0, 100, 0, 0), ("A", "73", 20, 400, 10, 0, 80, 0, 0)]).Where(r => r[2] != "TOUS").ToList();
        var mask = Mask(Pst38 with { MaskingThreshold = 8 });
        Assert.Equal(8, mask.Threshold);
        mask.Apply(rows);
        Assert.Equal("<8", Cell(rows, "A", "38", TableAttacker.Etablissements));
        Assert.Equal("secret", Cell(rows, "A", "73", TableAttacker.Etablissements));
        Assert.Equal("27", Cell(rows, "A", "REGION", TableAttacker.Etablissements));
    }

    [Fact]
    public void Check_RefusesTwoRowsForOneCell_AndTwoSectorLevels()
    {
        var rows = new List<(long, string[])>
        {
            (2, Row("A", "38", 20, 400, 10)),
            (3, Row("A", "38", 21, 410, 11)),
            (4, Row("86.21Z", "38", 20, 400, 10, niveau: "NAF")),
        };
        var errors = Mask().Check(rows);
        Assert.Equal([(3L, ErrorCatalog.DuplicateCell), (4L, ErrorCatalog.MixedLevels)], errors.Select(e => (e.Line, e.Code)));
        Assert.Contains("ligne 2", errors[0].Reason, StringComparison.Ordinal);
        Assert.Empty(Mask().Check([(2, Row("A", "38", 20, 400, 10)), (3, Row("A", "73", 20, 400, 10))]));
    }

    /// <summary>Random tables (fixed seed): sectors × areas with every total, many small cells; no masked value comes back.</summary>
    [Fact]
    public void RandomTables_NoMaskedValueComesBack()
    {
        var random = new Random(22_2025);
        var maskedTotal = 0;
        var secondaryAcrossRows = 0;
        for (var t = 0; t < 300; t++)
        {
            var codes = new[] { "A", "B", "C", "D", "E", "F", "G", "H", "I" }.Take(random.Next(2, 7)).ToList();
            var zones = new[] { "01", "07", "26", "38", "42", "69", "73", "74" }.Take(random.Next(2, 6)).ToList();
            var parts = new List<(string, string, long, long, long, long, long, long, long)>();
            foreach (var code in codes)
            {
                foreach (var zone in zones)
                {
                    var etab = random.Next(10) < 3 ? random.Next(0, 5) : random.Next(5, 60);
                    var effectif = etab * random.Next(1, 40);
                    var nbAt = effectif == 0 ? 0 : random.Next(10) < 4 ? random.Next(0, 5) : random.Next(0, Math.Max(1, effectif / 8));
                    parts.Add((code, zone, etab, effectif, nbAt, random.Next(0, 7), nbAt * random.Next(3, 60), random.Next(0, 3), random.Next(10) == 0 ? 1 : 0));
                }
            }
            var rows = WithTotals(parts);
            if (random.Next(4) == 0)
            {
                // Sometimes without the sector totals: the zone margin only.
                rows = rows.Where(r => r[2] != "TOUS").ToList();
            }
            var original = rows.Select(r => (string[])r.Clone()).ToList();
            maskedTotal += Mask().Apply(rows);
            var recovered = TableAttacker.Recover(rows);
            Assert.True(recovered.Count == 0,
                $"Table {t}: recovered {string.Join(", ", recovered.Select(x => $"{string.Join('/', original[x.Key.Row].Take(4))} column {x.Key.Column} = {x.Value} (was {original[x.Key.Row][x.Key.Column]})"))}");
            // Every masked cell is a marker; every other cell is as sent.
            for (var r = 0; r < rows.Count; r++)
            {
                for (var c = 0; c < rows[r].Length; c++)
                {
                    Assert.True(rows[r][c] == original[r][c] || rows[r][c] is "<5" or "secret", $"table {t} row {r} column {c}: {rows[r][c]}");
                    if (rows[r][c] == "secret" && c is 4 or 5 && original[r][4] is var e && long.Parse(e, CultureInfo.InvariantCulture) >= 5)
                    {
                        secondaryAcrossRows++;
                    }
                }
            }
        }
        // The tables did exercise the masking, and its suppression across rows.
        Assert.True(maskedTotal > 3000, $"{maskedTotal} cells masked");
        Assert.True(secondaryAcrossRows > 100, $"{secondaryAcrossRows} cells masked across rows");
    }
}
