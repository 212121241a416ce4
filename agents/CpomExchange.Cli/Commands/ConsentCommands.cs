using System.CommandLine;
using CpomExchange.Cli.Client;
using CpomExchange.Cli.Text;

namespace CpomExchange.Cli.Commands;

/// <summary><c>cpom withdraw-consent</c>: the PDP cell removes a worker who withdrew consent (RGPD art. 7(3)) from a signalement it sent.</summary>
internal static class ConsentCommands
{
    public static Command Build(CliIo io)
    {
        var id = new Argument<string>("ID") { Description = "Identifiant du signalement que votre cellule PDP a envoyé." };
        var nir = new Option<string?>("--nir") { Description = "Le NIR de la personne ; « - » pour le lire sur l'entrée standard (il ne reste alors ni dans l'historique ni dans la liste des processus)." };
        var reference = new Option<string?>("--reference") { Description = "Ou la référence de sa ligne, telle que la passerelle l'a donnée (ds_…:3 pour la 3ᵉ personne du fichier envoyé)." };
        var purpose = new Option<string>("--purpose") { Description = "Finalité (celle du signalement : pdp).", Required = true };
        var caseObject = new Option<string?>("--object") { Description = "Objet : référence de dossier, 80 caractères au plus." };
        var command = new Command("withdraw-consent",
            "Retirer d'un signalement envoyé une personne qui a retiré son consentement : le signalement est réécrit sans elle, l'ancienne version détruite, le destinataire en est informé.")
        { id, nir, reference, purpose, caseObject };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var (givenNir, givenReference) = (parse.GetValue(nir), parse.GetValue(reference));
            if ((givenNir is null) == (givenReference is null))
            {
                throw new UsageException("Désignez la personne par --nir ou par --reference, l'un ou l'autre.");
            }
            if (givenNir == "-")
            {
                givenNir = (await io.Console.Input.ReadLineAsync(ct))?.Trim();
            }
            var datasetId = parse.GetValue(id)!;
            var path = $"api/v1/datasets/{Uri.EscapeDataString(datasetId)}/consent-withdrawals?purpose={Uri.EscapeDataString(parse.GetValue(purpose)!)}"
                + (parse.GetValue(caseObject) is { } o ? "&object=" + Uri.EscapeDataString(o) : string.Empty);
            var answer = await client.SendJsonAsync(HttpMethod.Post, path, new { nir = givenNir, reference = givenReference }, ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            var info = GatewayClient.ToDataset(answer);
            output.Out.WriteLine($"Personne retirée du signalement {info.Id} : {Formats.Number(info.Rows)} personne(s) restante(s).");
            output.Out.WriteLine("  La nouvelle version remplace l'ancienne, détruite ; le destinataire la voit et en accusera réception de nouveau.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
