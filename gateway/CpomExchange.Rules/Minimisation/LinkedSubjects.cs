namespace CpomExchange.Rules.Minimisation;

/// <summary>
/// What the storage read for an upload's links to earlier datasets, each among the datasets sent for
/// the link's purpose: the subjects of the answered dataset (<c>reply-to</c>), those the recipient
/// targeted (<c>targeted-by-recipient</c>), each SPSTI's latest adherents list
/// (<c>recipient-adherents</c>; an SPSTI without one is absent), and the reader of the signalements a
/// retour names (<c>answers-signalement</c>) and of the alerts a suite names (<c>answers-alerte</c>).
/// </summary>
public sealed record LinkedSubjects
{
    /// <summary>The subjects of the dataset this upload answers.</summary>
    public SubjectSet? Answered { get; init; }

    /// <summary>The establishments the recipient targeted and sent to the sender.</summary>
    public SubjectSet? Targeted { get; init; }

    /// <summary>Each possible recipient's adherents (only those that sent a list).</summary>
    public IReadOnlyDictionary<string, SubjectSet> AdherentsOf { get; init; } = new Dictionary<string, SubjectSet>(StringComparer.Ordinal);

    /// <summary>The reader of the signalements a retour answers.</summary>
    public IAnsweredRowsReader? Signalements { get; init; }

    /// <summary>The reader of the alerts a suite answers (with each line's SIRET).</summary>
    public IAnsweredRowsReader? Alerts { get; init; }
}
