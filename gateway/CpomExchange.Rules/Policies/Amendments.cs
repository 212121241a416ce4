namespace CpomExchange.Rules.Policies;

/// <summary>
/// An amendment (avenant) to a contract: from <see cref="Effective"/> on, the contract reads as changed
/// here (seed 000: "Des avenants pourront être intégrés au CPOM en cours de réalisation"; 001 art. 4:
/// "Par voie d'avenant, de nouvelles actions pourront être prévues"; 004 art. 8: "modifié, dans sa durée
/// ou son contenu, par avenant durant sa période de validité").
/// </summary>
/// <param name="Id">Unique in its contract (e.g. <c>avenant-1</c>).</param>
/// <param name="Title">What it is, in French.</param>
/// <param name="Effective">The first day the contract reads as amended.</param>
/// <param name="Signed">When it was signed, if known.</param>
public sealed record Amendment(string Id, string Title, DateOnly Effective, DateOnly? Signed)
{
    /// <summary>A new last day of the term, if it changes it.</summary>
    public DateOnly? End { get; init; }

    /// <summary>A new last day of the reporting period; with a new <see cref="End"/> and none here, the default after it.</summary>
    public DateOnly? ReportingUntil { get; init; }

    /// <summary>Volets added, or replaced when one has the same code.</summary>
    public IReadOnlyList<Volet> Volets { get; init; } = [];

    /// <summary>Codes of volets removed.</summary>
    public IReadOnlyList<string> RemoveVolets { get; init; } = [];

    /// <summary>Exchanges added, or replaced (purposes, recipients, controllers) when one has the same type.</summary>
    public IReadOnlyList<ContractExchange> Exchanges { get; init; } = [];

    /// <summary>Types of exchanges the contract no longer enables.</summary>
    public IReadOnlyList<string> RemoveExchanges { get; init; } = [];
}

/// <summary>The version of a contract in force on a day: the contract as signed, with its amendments effective by then.</summary>
public static class ContractVersions
{
    /// <summary>
    /// <paramref name="contract"/> as amended on <paramref name="day"/>: every amendment whose effective date
    /// is on or before that day applied in order. The contract as signed when none is.
    /// </summary>
    public static Contract On(this Contract contract, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var version = contract;
        foreach (var amendment in contract.Amendments.Where(a => a.Effective <= day))
        {
            version = Apply(version, amendment);
        }
        return version;
    }

    /// <summary>The contract with every amendment applied: its last version (the longest term the loader checks).</summary>
    public static Contract Latest(this Contract contract) => contract.On(DateOnly.MaxValue);

    /// <summary>The days on which a new version of the contract takes effect: its start, then each amendment's effective date.</summary>
    public static IEnumerable<DateOnly> VersionDays(this Contract contract) =>
        contract.Amendments.Select(a => a.Effective).Prepend(contract.Start).Distinct();

    internal static Contract Apply(Contract contract, Amendment amendment)
    {
        var volets = contract.Volets.Where(v => !amendment.RemoveVolets.Contains(v.Code) && amendment.Volets.All(n => n.Code != v.Code))
            .Concat(amendment.Volets).ToList();
        var exchanges = new Dictionary<string, ContractExchange>(contract.Exchanges, StringComparer.Ordinal);
        foreach (var removed in amendment.RemoveExchanges)
        {
            exchanges.Remove(removed);
        }
        foreach (var changed in amendment.Exchanges)
        {
            exchanges[changed.Type] = changed;
        }
        var end = amendment.End ?? contract.End;
        var reportingUntil = amendment.ReportingUntil ?? (amendment.End is { } newEnd ? Contract.DefaultReportingUntil(newEnd) : contract.ReportingUntil);
        return contract with
        {
            End = end,
            ReportingUntil = reportingUntil,
            Volets = volets,
            // An indicator goes with its volet: a removed volet's indicators are no longer the contract's.
            Indicators = contract.Indicators.Where(i => volets.Any(v => v.Code == i.Volet)).ToList(),
            Exchanges = exchanges,
            AppliedAmendments = [.. contract.AppliedAmendments, amendment.Id],
        };
    }
}
