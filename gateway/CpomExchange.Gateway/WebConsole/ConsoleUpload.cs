using CpomExchange.Gateway.Datasets;

namespace CpomExchange.Gateway.WebConsole;

/// <summary>What the Déposer un fichier form names: the API's upload parameters.</summary>
internal sealed record UploadFields(string? Type, string? To, string? Purpose, string? Object, string? ReplyTo);

/// <summary>
/// The console's only way into the upload: the API's own <c>POST /api/v1/datasets</c> handler, given
/// the file's part of the form as the request body, so that a file sent from the console is read,
/// validated, minimised, masked, encrypted, stored and logged exactly as one sent by the CLI.
/// </summary>
internal static class ConsoleUpload
{
    /// <summary>
    /// Sends <paramref name="file"/> (read as it arrives, never held whole) as a CSV upload of
    /// <paramref name="fields"/>; returns the API's answer: <c>201</c> with the receipt, or the refusal (already logged).
    /// </summary>
    public static async Task<IResult> SendAsync(HttpContext http, UploadFields fields, Stream file)
    {
        http.Request.Body = file;
        http.Request.ContentType = "text/csv";
        http.Request.ContentLength = null;
        // The console sends CSV files only (no document title, no replacement): documents go through the API or cpom.
        var answer = await DatasetsApi.UploadAsync(http, fields.Type, fields.To, fields.Purpose, fields.Object, fields.ReplyTo, null, null,
            http.RequestServices.GetRequiredService<UploadPipeline>());
        return answer.Result;
    }
}
