using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Gateway.AccessLog;

/// <summary>
/// A verification of one log and how it was done: in full (<see cref="FromSize"/> null), or
/// incrementally from the signed checkpoint of <see cref="FromSize"/> entries that this process
/// verified earlier.
/// </summary>
internal sealed record LogVerificationRun(LogVerification Result, long? FromSize)
{
    /// <summary>Whether only the entries after a checkpoint verified earlier were read.</summary>
    public bool Incremental => FromSize is not null;

    /// <summary>The stable name of the mode, for programs: <c>full</c> or <c>incremental</c>.</summary>
    public string Mode => Incremental ? IncrementalMode : FullMode;

    /// <summary>What was done, in French.</summary>
    public string Description => FromSize is { } size
        ? $"vérification incrémentale : seules les entrées ajoutées après le point de contrôle signé de {WebConsole.Formats.Number(size)} entrées, déjà vérifié par cette instance de la passerelle, ont été relues"
        : "vérification intégrale : tout le journal a été relu depuis sa première entrée";

    /// <summary>The mode of a full verification.</summary>
    public const string FullMode = "full";

    /// <summary>The mode of a verification from a checkpoint verified earlier.</summary>
    public const string IncrementalMode = "incremental";
}

/// <summary>
/// The one way the gateway verifies a log, for the DPO's review and the periodic check: in full, or
/// (when asked) from the last state this process verified (<see cref="VerifiedCheckpoints"/>, in memory:
/// nothing an attacker writes decides where a verification starts). Either way, a log found intact
/// leaves its verified state for the next incremental verification.
/// </summary>
internal static class LogVerifications
{
    public static async Task<LogVerificationRun> VerifyAsync(AccessLogReader reader, VerifiedCheckpoints verified, string controller, bool incremental,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(verified);
        if (incremental && verified.Get(controller) is { Size: > 0 } from)
        {
            // The reader verifies in full a log purged beyond the remembered state: say so.
            var head = await reader.HeadAsync(controller, cancellationToken);
            var fromSize = head is not null && head.PurgedBelow > from.Size ? (long?)null : from.Size;
            var result = await reader.VerifyFromAsync(controller, from, cancellationToken);
            Remember(verified, controller, result);
            return new LogVerificationRun(result, fromSize);
        }
        var full = await reader.VerifyAsync(controller, cancellationToken);
        Remember(verified, controller, full);
        return new LogVerificationRun(full, null);
    }

    private static void Remember(VerifiedCheckpoints verified, string controller, LogVerification result)
    {
        if (result.Valid && result.VerifiedStart is { } start)
        {
            verified.Remember(controller, start);
        }
    }
}
