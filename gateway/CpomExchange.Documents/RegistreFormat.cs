namespace CpomExchange.Documents;

/// <summary>The formats the record of processing is produced in.</summary>
public enum RegistreFormat
{
    /// <summary>An Office Open XML spreadsheet (.xlsx), like the CNIL's model registre; opens in LibreOffice and Excel.</summary>
    Xlsx,
    /// <summary>An OpenDocument spreadsheet (.ods, ISO/IEC 26300), the format of LibreOffice and of the French administration's reference for interoperability (RGI).</summary>
    Ods,
    /// <summary>Markdown, to read or to paste into a document.</summary>
    Markdown,
    /// <summary>JSON, for tools.</summary>
    Json,
}

/// <summary>Names, media types and file extensions of the formats.</summary>
public static class RegistreFormats
{
    /// <summary>The format named <paramref name="name"/> (xlsx, ods, md or markdown, json), case-insensitive; null if unknown.</summary>
    public static RegistreFormat? Parse(string? name) => name?.ToLowerInvariant() switch
    {
        "xlsx" => RegistreFormat.Xlsx,
        "ods" => RegistreFormat.Ods,
        "md" or "markdown" => RegistreFormat.Markdown,
        "json" => RegistreFormat.Json,
        _ => null,
    };

    /// <summary>The format a file's extension implies; null if none does.</summary>
    public static RegistreFormat? FromPath(string path) => Parse(Path.GetExtension(path).TrimStart('.'));

    /// <summary>The media type of <paramref name="format"/>.</summary>
    public static string MediaType(RegistreFormat format) => format switch
    {
        RegistreFormat.Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        RegistreFormat.Ods => RegistreOds.MediaType,
        RegistreFormat.Markdown => "text/markdown; charset=utf-8",
        _ => "application/json; charset=utf-8",
    };

    /// <summary>The file extension of <paramref name="format"/>, without the dot.</summary>
    public static string Extension(RegistreFormat format) => format switch
    {
        RegistreFormat.Xlsx => "xlsx",
        RegistreFormat.Ods => "ods",
        RegistreFormat.Markdown => "md",
        _ => "json",
    };
}
