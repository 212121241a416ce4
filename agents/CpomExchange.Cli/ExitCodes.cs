namespace CpomExchange.Cli;

/// <summary>The exit codes of <c>cpom</c>, documented in the README. Scripts rely on them: never renumber.</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;
    /// <summary>An unexpected error.</summary>
    public const int Error = 1;
    /// <summary>
    /// Wrong usage: what was typed cannot be done as written, whether <c>cpom</c> or the gateway (400)
    /// noticed — an unknown command, option, exchange type, purpose or organisation, a missing
    /// argument, an unreadable certificate or file, an output file that exists without <c>--force</c>,
    /// a destructive command without <c>--yes</c> outside a terminal.
    /// </summary>
    public const int Usage = 2;
    /// <summary>The file is invalid (locally with <c>validate</c>, or refused by the gateway with 422).</summary>
    public const int InvalidFile = 3;
    /// <summary>Refused: authentication (401), policy (403), a conflict (409) or a limit (413, 415, 429).</summary>
    public const int Refused = 4;
    /// <summary>Not found (404), or gone (410: withdrawn or destroyed at the end of its retention).</summary>
    public const int NotFound = 5;
    /// <summary>The gateway could not be reached or refused the TLS handshake.</summary>
    public const int Unreachable = 6;
    /// <summary>The gateway failed (5xx); retrying later may work.</summary>
    public const int ServerError = 7;
    /// <summary>Integrity: a download was incomplete or did not match its SHA-256 (nothing was kept), or an access log does not verify.</summary>
    public const int Integrity = 8;
    /// <summary>Cancelled: the person answered no to a confirmation; nothing was done.</summary>
    public const int Cancelled = 9;
}
