namespace CpomExchange.Rules.Masking;

/// <summary>
/// Whether the sums of a table pin down a masked cell, for one additive column, when each cell
/// belongs to at most two margin groups (its area's and its sector's).
/// <para>
/// Each group states "total − Σ parts = 0". Writing a total as −x (and the grand total, total in
/// both margins, as +x), every group becomes "the sum of its cells is zero": a graph whose vertices
/// are the groups and whose edges are the masked cells, each joining the two groups it belongs to
/// (visible cells are constants). A group that holds an empty cell states nothing the reader can use,
/// and a cell outside any group of a margin is in no equation there: such ends are one free vertex,
/// the "ground". Then a masked cell can be changed without changing any published figure exactly when
/// it lies on a cycle (add +d, −d, ... around it: every constrained group keeps its sum; the ground
/// is free); and a cell that lies on no cycle, a bridge, is determined (on the side of the bridge
/// without the ground, summing the groups of one margin and subtracting those of the other cancels
/// every other cell and leaves that one). Bridges are found in linear time (Tarjan).
/// </para>
/// </summary>
internal static class BridgeGuard
{
    /// <summary>The row of the first masked cell of <paramref name="column"/> that the sums determine, or null.</summary>
    public static int? FirstBridge(IReadOnlyList<string[]> rows, byte[][] hide, List<int[]> groups, int[][] groupOf, int column)
    {
        // Vertex 0 is the ground; group g is vertex g + 1 when every cell of it is known in this column.
        var vertexOf = new int[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            vertexOf[g] = groups[g].All(r => rows[r][column].Length > 0) ? g + 1 : 0;
        }
        int Vertex(int margin, int row) => margin < groupOf.Length && groupOf[margin][row] is var g and >= 0 ? vertexOf[g] : 0;
        var adjacency = new List<(int To, int Row)>[groups.Count + 1];
        for (var v = 0; v < adjacency.Length; v++)
        {
            adjacency[v] = [];
        }
        for (var r = 0; r < rows.Count; r++)
        {
            if (hide[r][column] == 0)
            {
                continue;
            }
            var (u, w) = (Vertex(0, r), Vertex(1, r));
            if (u == w)
            {
                // In no equation the reader can use (both ends free): never determined.
                continue;
            }
            adjacency[u].Add((w, r));
            adjacency[w].Add((u, r));
        }
        int? first = null;
        var discovered = new int[adjacency.Length];
        Array.Fill(discovered, -1);
        var low = new int[adjacency.Length];
        var timer = 0;
        var stack = new Stack<(int Vertex, int ParentRow, int Next)>();
        for (var start = 0; start < adjacency.Length; start++)
        {
            if (discovered[start] >= 0 || adjacency[start].Count == 0)
            {
                continue;
            }
            discovered[start] = low[start] = timer++;
            stack.Push((start, -1, 0));
            while (stack.Count > 0)
            {
                var (v, parentRow, next) = stack.Pop();
                if (next < adjacency[v].Count)
                {
                    stack.Push((v, parentRow, next + 1));
                    var (to, row) = adjacency[v][next];
                    if (row == parentRow)
                    {
                        continue;
                    }
                    if (discovered[to] < 0)
                    {
                        discovered[to] = low[to] = timer++;
                        stack.Push((to, row, 0));
                    }
                    else
                    {
                        low[v] = Math.Min(low[v], discovered[to]);
                    }
                    continue;
                }
                if (stack.Count > 0)
                {
                    var parent = stack.Peek().Vertex;
                    low[parent] = Math.Min(low[parent], low[v]);
                    if (low[v] > discovered[parent] && (first is null || parentRow < first))
                    {
                        first = parentRow;
                    }
                }
            }
        }
        return first;
    }
}
