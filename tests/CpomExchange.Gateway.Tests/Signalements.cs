using System.Globalization;
using System.Net.Http.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>Signalement files of several persons, and the calls the PDP cell and the service social make on them.</summary>
internal static class Signalements
{
    public const string Header = "nir;nom;prenom;date_naissance;telephone;email;siret_employeur;en_arret;date_debut_arret;motif;niveau_complexite;consentement;date_consentement;emetteur_nom;emetteur_contact";
    public const string RetourHeader = "reference;statut;date;commentaire\r\n";

    /// <summary>A valid NIR from its 13 first characters (the key is computed).</summary>
    public static string Nir(string thirteen)
    {
        var nir = thirteen + (97 - (int)(ulong.Parse(thirteen, CultureInfo.InvariantCulture) % 97)).ToString("00", CultureInfo.InvariantCulture);
        Assert.True(CpomExchange.Rules.Identifiers.Nir.IsValid(nir));
        return nir;
    }

    /// <summary><paramref name="count"/> distinct persons (NIR, employer SIRET) for a test, from <paramref name="seed"/>.</summary>
    public static (string Nir, string Employer)[] Persons(int seed, int count)
    {
        var employers = TestSirets.From(400_000_000 + seed * 1000L).Take(count).ToArray();
        return Enumerable.Range(0, count)
            .Select(i => (Nir($"1{85 + i % 10:00}{(seed % 12) + 1:00}75{(seed * 37 + i) % 1000:000}{i:000}"), employers[i]))
            .ToArray();
    }

    /// <summary>A row as the sender writes it (schema order).</summary>
    public static string Row((string Nir, string Employer) p, int i) =>
        $"{p.Nir};PERSONNE{i};Camille;14/06/1971;06 00 00 00 0{i % 10};p{i}@example.org;{p.Employer};oui;02/01/2026;Restrictions d'aptitude;T3A;oui;09/01/2026;Dr Anne Lefèvre;cellule-pdp@spsti.example";

    /// <summary>The file a PDP cell sends.</summary>
    public static string File((string Nir, string Employer)[] persons) =>
        Header + "\r\n" + string.Concat(persons.Select((p, i) => Row(p, i + 1) + "\r\n"));

    /// <summary>The file as stored and delivered: each row after the reference the gateway gave it.</summary>
    public static string Delivered(string id, (string Nir, string Employer)[] persons, params int[] kept) =>
        "\uFEFFreference;" + Header + "\r\n" + string.Concat(kept.Select(n => $"{id}:{n};{Row(persons[n - 1], n)}\r\n"));

    /// <summary>The PDP cell withdraws a person: <c>{"nir": …}</c> or <c>{"reference": …}</c>.</summary>
    public static async Task<HttpResponseMessage> WithdrawConsentAsync(this GatewayFixture gateway, string identity, string id, object person, string purpose = "pdp")
    {
        using var client = gateway.ClientFor(identity);
        return await client.PostAsJsonAsync($"api/v1/datasets/{id}/consent-withdrawals?purpose={purpose}", person);
    }
}
