namespace CpomExchange.Rules.Errors;

/// <summary>
/// A refusal, as the rules decide it: a code of the <see cref="ErrorCatalog"/> (which gives its
/// title and its HTTP status) and a French detail. Every face of the gateway answers it the same way
/// (the API as <c>application/problem+json</c>, the console as a page) and logs it by one path.
/// </summary>
/// <param name="Code">The stable code.</param>
/// <param name="Detail">What people read: why, and what to do.</param>
public sealed record Refusal(string Code, string Detail)
{
    /// <summary>
    /// The data controllers the refusal concerns besides the caller's organisation (the owner of a
    /// list an upload tried to use for another purpose): the refusal is logged under them too.
    /// </summary>
    public IReadOnlyList<string> Concerned { get; init; } = [];

    /// <summary>When the refusal is temporary (a full spool): how long to wait before trying again.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// The HTTP status of the answer: the catalogue entry's, unless the same code means a different
    /// failure at this place (a certificate that does not match its organisation is an
    /// authentication failure at the door, a bad request in the administrator's registration).
    /// </summary>
    public int Status { get; init; } = ErrorCatalog.Status(Code);

    /// <summary>The French title (the catalogue entry's).</summary>
    public string Title => ErrorCatalog.Title(Code);
}
