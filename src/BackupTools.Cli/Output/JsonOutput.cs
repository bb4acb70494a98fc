using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BackupTools.Cli.Output;

/// <summary>
/// The --json form: one object per line with the .NET property names (PascalCase, as PowerShell shows them),
/// enums as strings, TimeSpan in the invariant "c" format, DateTimeOffset in ISO 8601.
/// </summary>
internal static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = null,
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Line(object value) => JsonSerializer.Serialize(value, value.GetType(), Options);
}
