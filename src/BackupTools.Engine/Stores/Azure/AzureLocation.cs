namespace BackupTools.Stores.Azure;

/// <summary>
/// An Azure Blob destination: <c>az://container/prefix</c> (the account comes from the credentials) or
/// <c>https://account.blob.core.windows.net/container/prefix</c> (any <c>*.blob.*</c> host: sovereign clouds too).
/// The prefix is "" or "a/b/", always ending in '/'.
/// </summary>
public sealed record AzureLocation(string Container, string Prefix, System.Uri? AccountEndpoint)
{
    public const string Scheme = "az://";

    /// <summary>True for az:// and for an https URL whose host is an Azure Blob endpoint (&lt;account&gt;.blob.&lt;suffix&gt;).</summary>
    public static bool IsAzure(string? value)
    {
        if (value is null) return false;
        if (value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return true;
        return value.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
               && System.Uri.TryCreate(value, UriKind.Absolute, out var u) && IsBlobHost(u.Host);
    }

    /// <summary>The account named by an https location's host (null for az://).</summary>
    public string? AccountName => AccountEndpoint?.Host.Split('.')[0];

    /// <summary>The normalised root, in the form the user wrote (no trailing slash).</summary>
    public string Uri
    {
        get
        {
            var head = AccountEndpoint is null ? Scheme + Container : AccountEndpoint.GetLeftPart(UriPartial.Authority) + "/" + Container;
            return Prefix.Length == 0 ? head : head + "/" + Prefix.TrimEnd('/');
        }
    }

    public static AzureLocation Parse(string value)
    {
        if (!IsAzure(value)) throw new ArgumentException("Not an Azure Blob address.", nameof(value));
        Uri? endpoint = null;
        string rest;
        if (value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            rest = value[Scheme.Length..];
        }
        else
        {
            var u = new System.Uri(value);
            if (!string.IsNullOrEmpty(u.Query))
                throw Invalid(value, "carries a query string; a SAS token is a secret and never part of a destination: " +
                                     "give it with AZURE_STORAGE_SAS_TOKEN, -AzureSasToken or the configuration file's sasToken reference");
            endpoint = new System.Uri(u.GetLeftPart(UriPartial.Authority));
            rest = System.Uri.UnescapeDataString(u.AbsolutePath.TrimStart('/'));
        }
        var slash = rest.IndexOf('/');
        var container = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..];
        if (!IsValidContainer(container))
            throw Invalid(value, "does not name a valid container: write az://<container>/<optional prefix>, where the container " +
                                 "is 3-63 lower-case letters, digits or single '-'");
        var parts = prefix.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Any(p => p is "." or ".."))
            throw Invalid(value, "has a '.' or '..' segment in its prefix; give a plain prefix");
        return new AzureLocation(container, parts.Length == 0 ? "" : string.Join('/', parts) + "/", endpoint);
    }

    /// <summary>A location at the same account and container with another prefix (a backup's root from its Location).</summary>
    public AzureLocation WithPrefix(IEnumerable<string> segments)
    {
        var list = segments.ToList();
        return this with { Prefix = list.Count == 0 ? "" : string.Join('/', list) + "/" };
    }

    public string KeyOf(BackupKey key, string fileName) => $"{Prefix}{key.Database}/{key.BackupId}/{fileName}";

    public string BackupPrefix(BackupKey key) => $"{Prefix}{key.Database}/{key.BackupId}/";

    public string DatabasePrefix(string database) => $"{Prefix}{database}/";

    private static bool IsBlobHost(string host)
    {
        var labels = host.Split('.');
        return labels.Length >= 4 && labels[1].Equals("blob", StringComparison.OrdinalIgnoreCase) && labels[0].Length > 0;
    }

    private static bool IsValidContainer(string c) =>
        c.Length is >= 3 and <= 63
        && c.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '-')
        && char.IsAsciiLetterOrDigit(c[0]) && char.IsAsciiLetterOrDigit(c[^1]) && !c.Contains("--", StringComparison.Ordinal);

    private static BackupToolsException Invalid(string value, string why) =>
        new(ErrorIds.AzureOptionsInvalid, ErrorKind.InvalidArgument, $"'{value}' {why}.", value);
}
