using CpomExchange.Rules.Pseudonymisation;

namespace CpomExchange.Rules.Tests.Pseudonymisation;

/// <summary>
/// Known answers computed outside .NET (Python's hmac and hashlib, key = bytes 0..31): stored
/// pseudonyms must not change when the implementation does.
/// </summary>
public sealed class PseudonymiserTests
{
    private static Pseudonymiser Create(int version = 1) => new([.. Enumerable.Range(0, 32).Select(i => (byte)i)], version);

    [Theory]
    [InlineData(IdentifierKind.Siret, "73282932000074", "v1:rT7hu-E8-pLOc_0Oq6ajOXjhh1HKIUe7HLWgyF_YM-w")]
    [InlineData(IdentifierKind.Siret, "732 829 320 00074", "v1:rT7hu-E8-pLOc_0Oq6ajOXjhh1HKIUe7HLWgyF_YM-w")]
    [InlineData(IdentifierKind.Nir, "293116562420460", "v1:dODN2RLfZQ_DY8fk3bdoq6drYL5Cgl3ZvehzKyLffo4")]
    public void Pseudonym_is_the_domain_separated_hmac_in_base64url(IdentifierKind kind, string identifier, string expected)
    {
        using var pseudonymiser = Create();
        Assert.Equal(expected, pseudonymiser.Pseudonym(kind, identifier));
    }

    [Fact]
    public void Short_is_the_first_128_bits_little_endian()
    {
        using var pseudonymiser = Create();
        Assert.Equal(new UInt128(10590844413932551853, 4153346534986838990), pseudonymiser.Short(IdentifierKind.Siret, "73282932000074"));
        Assert.Equal(new UInt128(1109538155273248884, 12351324141717513155), pseudonymiser.Short(IdentifierKind.Nir, "293116562420460"));
    }

    [Fact]
    public void The_version_is_written_and_the_kinds_do_not_collide()
    {
        using var second = Create(version: 2);
        Assert.StartsWith("v2:", second.Pseudonym(IdentifierKind.Siret, "73282932000074"), StringComparison.Ordinal);
        Assert.NotEqual(second.Short(IdentifierKind.Siret, "293116562420460"), second.Short(IdentifierKind.Nir, "293116562420460"));
    }
}
