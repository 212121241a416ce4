using System.Diagnostics.CodeAnalysis;
using CpomExchange.Rules.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CpomExchange.Gateway.Problems;

/// <summary>
/// A refusal decided by a service that several faces call: the API answers it as
/// <c>application/problem+json</c>, the console as a French message or page. One decision, one code.
/// </summary>
internal sealed record Refusal(int Status, string Code, string Detail)
{
    /// <summary>The catalogue's French title of <see cref="Code"/>.</summary>
    public string Title => ErrorCatalog.Title(Code);

    /// <summary>The API's answer.</summary>
    public ProblemHttpResult ToProblem() => Problem.Of(Status, Code, Detail);
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
