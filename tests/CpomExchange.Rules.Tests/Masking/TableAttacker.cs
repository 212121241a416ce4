using System.Globalization;

namespace CpomExchange.Rules.Tests.Masking;

/// <summary>
/// What a recipient of a masked <c>statistiques-sinistralite</c> table can compute, written
/// independently of the gateway's masking: from its own row (IF = nb_at × 1000 / effectif gives
/// back nb_at from the effectif, or the effectif from nb_at), and from the sums the file holds (the
/// <c>REGION</c> row of a sector is the sum of its areas, the <c>TOUS</c> row of an area the sum of
/// its sectors). For the sums it does not stop at "total − the other visible cells": it solves the
/// whole linear system of each column (Gauss–Jordan over the masked cells), and feeds what it
/// recovers back into the rows and the sums until it learns nothing more.
/// </summary>
internal static class TableAttacker
{
    // annee;niveau;code;zone;nb_etablissements;effectif;nb_at;nb_mp;journees_it;nb_ip;nb_deces;indice_frequence;taux_gravite
    public const int Etablissements = 4, Effectif = 5, NbAt = 6, IndiceFrequence = 11;
    public static readonly int[] Additive = [4, 5, 6, 7, 8, 9, 10];

    /// <summary>The masked cells (row, column) whose value the attacker computes, with the value computed.</summary>
    public static Dictionary<(int Row, int Column), long> Recover(IReadOnlyList<string[]> masked)
    {
        var known = new Dictionary<(int, int), long>();
        var unknown = new HashSet<(int, int)>();
        for (var r = 0; r < masked.Count; r++)
        {
            foreach (var c in Additive)
            {
                if (long.TryParse(masked[r][c], NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                {
                    known[(r, c)] = v;
                }
                else if (masked[r][c].Length > 0)
                {
                    unknown.Add((r, c));
                }
            }
        }
        var recovered = new Dictionary<(int, int), long>();
        void Learn((int, int) cell, long value)
        {
            unknown.Remove(cell);
            known[cell] = value;
            recovered[cell] = value;
        }
        var groups = Groups(masked);
        bool progress;
        do
        {
            progress = false;
            // From its own row: IF × effectif / 1000 = nb_at, nb_at × 1000 / IF = effectif.
            for (var r = 0; r < masked.Count; r++)
            {
                if (!decimal.TryParse(masked[r][IndiceFrequence].Replace(',', '.'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate))
                {
                    continue;
                }
                if (unknown.Contains((r, NbAt)) && known.TryGetValue((r, Effectif), out var effectif))
                {
                    Learn((r, NbAt), (long)Math.Round(rate * effectif / 1000m));
                    progress = true;
                }
                else if (unknown.Contains((r, Effectif)) && rate > 0 && known.TryGetValue((r, NbAt), out var accidents))
                {
                    Learn((r, Effectif), (long)Math.Round(accidents * 1000m / rate));
                    progress = true;
                }
            }
            // From the sums: each column's system, solved whole.
            foreach (var c in Additive)
            {
                foreach (var (cell, value) in Solve(groups, c, known, unknown))
                {
                    Learn(cell, value);
                    progress = true;
                }
            }
        }
        while (progress);
        return recovered;
    }

    /// <summary>Each sum the file states: the total row and its parts, for the zone margin and for the sector margin.</summary>
    private static List<(int Total, int[] Parts)> Groups(IReadOnlyList<string[]> rows)
    {
        var groups = new List<(int, int[])>();
        foreach (var (column, total) in new[] { (3, "REGION"), (2, "TOUS") })
        {
            var others = new[] { 0, 1, 2, 3 }.Where(d => d != column).ToArray();
            foreach (var g in Enumerable.Range(0, rows.Count).GroupBy(r => string.Join('|', others.Select(d => rows[r][d]))))
            {
                var t = g.Where(r => rows[r][column] == total).ToList();
                if (t.Count == 1)
                {
                    groups.Add((t[0], g.Where(r => r != t[0]).ToArray()));
                }
            }
        }
        return groups;
    }

    /// <summary>The unknowns of column <paramref name="c"/> that the equations total − Σ parts = 0 determine.</summary>
    private static List<((int, int) Cell, long Value)> Solve(List<(int Total, int[] Parts)> groups, int c, Dictionary<(int, int), long> known, HashSet<(int, int)> unknown)
    {
        var vars = unknown.Where(u => u.Item2 == c).ToList();
        if (vars.Count == 0)
        {
            return [];
        }
        var index = vars.Select((v, i) => (v, i)).ToDictionary(x => x.v, x => x.i);
        var equations = new List<double[]>();
        foreach (var (total, parts) in groups)
        {
            var row = new double[vars.Count + 1];
            var any = false;
            foreach (var (r, sign) in parts.Select(p => (p, -1.0)).Append((total, 1.0)))
            {
                if (index.TryGetValue((r, c), out var i))
                {
                    row[i] += sign;
                    any = true;
                }
                else if (known.TryGetValue((r, c), out var v))
                {
                    row[vars.Count] -= sign * v;
                }
                else
                {
                    // An empty cell: the sum cannot be used.
                    any = false;
                    break;
                }
            }
            if (any)
            {
                equations.Add(row);
            }
        }
        // Gauss–Jordan: a row of the reduced form with a single non-zero coefficient determines that unknown.
        var pivotRow = 0;
        for (var col = 0; col < vars.Count && pivotRow < equations.Count; col++)
        {
            var p = Enumerable.Range(pivotRow, equations.Count - pivotRow).FirstOrDefault(r => Math.Abs(equations[r][col]) > 1e-9, -1);
            if (p < 0)
            {
                continue;
            }
            (equations[pivotRow], equations[p]) = (equations[p], equations[pivotRow]);
            var pivot = equations[pivotRow][col];
            for (var k = 0; k <= vars.Count; k++)
            {
                equations[pivotRow][k] /= pivot;
            }
            for (var r = 0; r < equations.Count; r++)
            {
                if (r != pivotRow && Math.Abs(equations[r][col]) > 1e-9)
                {
                    var f = equations[r][col];
                    for (var k = 0; k <= vars.Count; k++)
                    {
                        equations[r][k] -= f * equations[pivotRow][k];
                    }
                }
            }
            pivotRow++;
        }
        var found = new List<((int, int), long)>();
        foreach (var e in equations)
        {
            var nonZero = Enumerable.Range(0, vars.Count).Where(k => Math.Abs(e[k]) > 1e-9).ToList();
            if (nonZero.Count == 1)
            {
                found.Add((vars[nonZero[0]], (long)Math.Round(e[vars.Count] / e[nonZero[0]])));
            }
        }
        return found;
    }
}
