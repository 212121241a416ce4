using System.Globalization;
using System.Text.RegularExpressions;
using CpomExchange.Rules.Indicators;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace CpomExchange.Rules.Policies;

/// <summary>The <c>indicators:</c> block of a contract file: the contract's own indicators per volet.</summary>
public static partial class PolicyLoader
{
    /// <summary>
    /// Reads a contract's indicators and refuses, naming the file and the line: a missing code, label
    /// or unit; a code that is not upper-case letters, digits and <c>_</c>; a code used twice, or that
    /// is one of the DGT table's (<c>indicateurs-suivi</c>); a volet the contract does not have; both or
    /// neither of <c>computed</c> and <c>typed: true</c>; an unknown formula, or one counting an exchange
    /// the contract does not name (it would always count 0); indicators in a contract without the
    /// annual table.
    /// </summary>
    private static List<ContractIndicator> ParseIndicators(List<IndicatorEntry>? entries, string file, string entry, List<Volet> volets,
        IReadOnlyCollection<string> contractExchanges, IReadOnlyDictionary<string, ExchangeDefinition> exchanges, List<PolicyError> errors)
    {
        var result = new List<ContractIndicator>();
        if (entries is null || entries.Count == 0)
        {
            return result;
        }
        var dgt = exchanges.TryGetValue(ReportingPolicy.Indicators, out var table) ? ContractIndicatorRows.DgtCodes(table) : [];
        if (!contractExchanges.Contains(ReportingPolicy.Indicators))
        {
            errors.Add(new PolicyError(file, $"{entry} / indicators (ligne {entries[0].Line})",
                $"Indicateurs déclarés, mais le contrat ne prévoit pas le tableau de suivi (échange « {ReportingPolicy.Indicators} »)."));
        }
        foreach (var i in entries)
        {
            var where = $"{entry} / indicators[{i.Code}] (ligne {i.Line})";
            var before = errors.Count;
            if (string.IsNullOrWhiteSpace(i.Code) || string.IsNullOrWhiteSpace(i.Label) || string.IsNullOrWhiteSpace(i.Unit) || string.IsNullOrWhiteSpace(i.Volet))
            {
                errors.Add(new PolicyError(file, where, "Indicateur incomplet : volet, code, libellé (label) et unité (unit) sont requis."));
                continue;
            }
            if (i.Code.Length > ContractIndicatorRows.MaxCodeLength || !IndicatorCode().IsMatch(i.Code))
            {
                errors.Add(new PolicyError(file, where,
                    $"Code « {i.Code} » : majuscules, chiffres et _ seulement, commençant par une lettre, {ContractIndicatorRows.MaxCodeLength.ToString(CultureInfo.InvariantCulture)} caractères au plus."));
            }
            if (dgt.Contains(i.Code, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(new PolicyError(file, where,
                    $"Code « {i.Code} » : c'est un indicateur du tableau de suivi DGT (liste indicateurs-suivi de exchanges.yaml) ; un indicateur du contrat a son propre code."));
            }
            if (result.Any(r => string.Equals(r.Code, i.Code, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add(new PolicyError(file, where, $"Indicateur « {i.Code} » déclaré deux fois."));
            }
            if (volets.All(v => v.Code != i.Volet))
            {
                errors.Add(new PolicyError(file, where,
                    $"Volet « {i.Volet} » absent du contrat (volets : {string.Join(", ", volets.Select(v => v.Code))})."));
            }
            if ((i.Computed is null) == (i.Typed != true))
            {
                errors.Add(new PolicyError(file, where, "Indiquez soit « computed: <formule> » (calculé par la passerelle), soit « typed: true » (saisi par le SPSTI), l'un ou l'autre."));
            }
            else if (i.Computed is not null)
            {
                if (!IndicatorFormulas.All.TryGetValue(i.Computed, out var formula))
                {
                    errors.Add(new PolicyError(file, where,
                        $"Formule « {i.Computed} » inconnue (formules : {string.Join(", ", IndicatorFormulas.All.Keys)})."));
                }
                else if (!contractExchanges.Contains(formula.Exchange))
                {
                    errors.Add(new PolicyError(file, where,
                        $"La formule « {formula.Name} » compte l'échange « {formula.Exchange} », que le contrat ne prévoit pas."));
                }
            }
            if (errors.Count == before)
            {
                result.Add(new ContractIndicator(i.Volet, i.Code, i.Label.Trim(), i.Unit.Trim(), i.Computed));
            }
        }
        return result;
    }

    [GeneratedRegex("^[A-Z][A-Z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex IndicatorCode();

    /// <summary>An entry of <c>indicators:</c>; <see cref="Line"/> is its line in the file (<see cref="LineNodeDeserializer"/>).</summary>
    private sealed class IndicatorEntry : ILocatedEntry
    {
        public string? Volet { get; set; }
        public string? Code { get; set; }
        public string? Label { get; set; }
        public string? Unit { get; set; }
        public string? Computed { get; set; }
        public bool? Typed { get; set; }

        [YamlIgnore]
        public long Line { get; set; }
    }

    /// <summary>A YAML entry that remembers the line it starts on, for the error messages.</summary>
    private interface ILocatedEntry
    {
        long Line { get; set; }
    }

    /// <summary>Deserialises objects as YamlDotNet does, and gives those that want it the line they start on.</summary>
    private sealed class LineNodeDeserializer(INodeDeserializer inner) : INodeDeserializer
    {
        public bool Deserialize(IParser reader, Type expectedType, Func<IParser, Type, object?> nestedObjectDeserializer, out object? value,
            ObjectDeserializer rootDeserializer)
        {
            var line = reader.Current?.Start.Line ?? 0;
            if (!inner.Deserialize(reader, expectedType, nestedObjectDeserializer, out value, rootDeserializer))
            {
                return false;
            }
            if (value is ILocatedEntry located)
            {
                located.Line = line;
            }
            return true;
        }
    }
}
