namespace CpomExchange.Rules.Policies;

/// <summary>
/// What the rules need to know of a dataset the gateway holds: its exchange, its two controllers,
/// the purpose it was sent for, and whether its content still exists (not withdrawn, not past
/// its retention).
/// </summary>
public sealed record DatasetFacts(string Id, string Type, string From, string To, string Purpose, bool Available);
