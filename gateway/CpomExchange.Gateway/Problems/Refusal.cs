using System.Diagnostics.CodeAnalysis;
using CpomExchange.Rules.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CpomExchange.Gateway.Problems;

/// <summary>How the API answers a refusal of the rules.</summary>
internal static class RefusalAnswers
{
    /// <summary>The API's answer: <c>application/problem+json</c> with the refusal's status and code.</summary>
    public static ProblemHttpResult ToProblem(this Refusal refusal) => Problem.From(refusal);
}

/// <summary>What a service answers: a value, or a refusal.</summary>
internal readonly struct Outcome<T>
{
    private Outcome(T? value, Refusal? refusal)
    {
        Value = value;
        Refusal = refusal;
    }

    /// <summary>The value, when the operation succeeded.</summary>
    public T? Value { get; }

    /// <summary>The refusal, when it did not.</summary>
    public Refusal? Refusal { get; }

    /// <summary>Whether the operation succeeded (then <see cref="Value"/> is set).</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Refusal))]
    public bool Succeeded => Refusal is null;

    /// <summary>A success (the implicit conversion does the same, but C# allows none from an interface type).</summary>
    public static Outcome<T> Ok(T value) => new(value, null);

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Refusal refusal) => new(default, refusal);
}
