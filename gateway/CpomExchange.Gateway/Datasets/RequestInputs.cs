using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CpomExchange.Gateway.Datasets;

/// <summary>The API's face of <see cref="RequestParameters.Check"/>: the rules' refusal as a problem answer.</summary>
internal static class RequestInputs
{
    /// <summary>Null when the parameters may be used and logged, else the refusal to answer (and log).</summary>
    public static ProblemHttpResult? Check(PolicySet policies, string? purpose, bool purposeRequired, string? caseObject,
        string? type = null, string? to = null, string? replyTo = null) =>
        RequestParameters.Check(policies, purpose, purposeRequired, caseObject, type, to, replyTo) is { } refusal ? Problem.From(refusal) : null;
}
