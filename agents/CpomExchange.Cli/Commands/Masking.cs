using System.Globalization;
using CpomExchange.Cli.Client;
using CpomExchange.Cli.Text;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Cli.Commands;

/// <summary>What a masked cell is, said to the person who sees one: the marker and why it is there.</summary>
internal static class Masking
{
    /// <summary>
    /// "3 cellules masquées par « &lt;5 » ..." for <paramref name="dataset"/>: the marker and threshold
    /// are those of the contract and exchange in the policy cpom reads (the gateway's, when they are
    /// the same files); without them, the explanation stays general.
    /// </summary>
    public static string Describe(DatasetInfo dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var (marker, threshold, table) = Rule(dataset);
        var cells = $"{Formats.Number(dataset.MaskedCells)} cellule(s) masquée(s)";
        var what = marker is null
            ? "les nombres trop petits, et les cellules qui permettraient de les recalculer, sont remplacés par un marqueur (tel « <5 »)"
            : $"les nombres de 1 à {threshold - 1}, et les cellules qui permettraient de les recalculer, sont remplacés par « {marker} »";
        if (table)
        {
            what += $" ; les cases de moins de {threshold} établissements le sont entièrement, et les cases que les totaux (REGION, TOUS) redonneraient portent « secret »";
        }
        return $"{cells} : {what}. Petits effectifs : secret statistique, une si petite valeur dans un petit établissement pourrait désigner une personne.";
    }

    private static (string? Marker, int Threshold, bool Table) Rule(DatasetInfo dataset)
    {
        try
        {
            var (policies, _) = PolicyLoader.TryLoad(PolicyLoader.ResolveDirectory(null));
            if (policies is null || !policies.Exchanges.TryGetValue(dataset.Type, out var exchange) || exchange.Masking is not { } masking)
            {
                return (null, 0, false);
            }
            // As the gateway decides it: the contract may set its own threshold, whose marker is then "<threshold".
            var threshold = policies.Contracts.FirstOrDefault(c => c.Id == dataset.Contract)?.MaskingThreshold ?? masking.Threshold;
            return (threshold == masking.Threshold ? masking.Marker : "<" + threshold.ToString(CultureInfo.InvariantCulture), threshold, masking.Table is not null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, 0, false);
        }
    }
}
