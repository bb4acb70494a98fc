using System.Text;

namespace BackupTools.Configuration;

/// <summary>Looks a secret up in a SecretManagement vault (supplied by the PowerShell host); null when it does not exist.</summary>
public delegate string? SecretVaultLookup(string? vault, string name);

/// <summary>
/// Turns <see cref="SecretReference"/>s into values at the moment a request is built. Messages name the reference
/// (<c>env:PGPASSWORD_APP</c>) and what it was for, never the value.
/// </summary>
public sealed class SecretResolver
{
    /// <summary>env: and file: only; secret: references fail with ConfigSecretVaultUnavailable (the CLI).</summary>
    public static readonly SecretResolver Default = new(null);

    private readonly SecretVaultLookup? _vault;

    public SecretResolver(SecretVaultLookup? vault) => _vault = vault;

    public bool HasVault => _vault is not null;

    /// <summary>The value behind <paramref name="reference"/>; <paramref name="purpose"/> says what it is for in messages.</summary>
    public string Resolve(SecretReference reference, string purpose) => reference.Kind switch
    {
        SecretReferenceKind.Literal => reference.Name,
        SecretReferenceKind.Environment => FromEnvironment(reference, purpose),
        SecretReferenceKind.File => FromFile(reference, purpose),
        _ => FromVault(reference, purpose),
    };

    private static string FromEnvironment(SecretReference reference, string purpose)
    {
        var value = Environment.GetEnvironmentVariable(reference.Name);
        return string.IsNullOrEmpty(value)
            ? throw Unresolved(reference, purpose, $"environment variable '{reference.Name}' is not set or is empty. Set it in the job's environment")
            : value;
    }

    private static string FromFile(SecretReference reference, string purpose)
    {
        var path = reference.Name;
        if (!File.Exists(path))
            throw Unresolved(reference, purpose, $"file '{path}' does not exist");
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode exposed = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
            if ((mode & exposed) != 0)
                throw new BackupToolsException(ErrorIds.ConfigSecretFileInsecure, ErrorKind.PermissionDenied,
                    $"Secret file '{path}' ({reference} for {purpose}, {reference.Position}) is readable or writable by group or others " +
                    $"(mode {Convert.ToString((int)mode & 0x1FF, 8)}). Restrict it first: chmod 600 '{path}'.", reference.ToString());
        }
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unresolved(reference, purpose, $"file '{path}' cannot be read ({ex.GetType().Name})");
        }
        // The first line without its line ending, as for passphrase files and gpg --passphrase-file.
        var newline = text.IndexOfAny(new[] { '\r', '\n' });
        var value = newline >= 0 ? text[..newline] : text;
        return value.Length == 0 ? throw Unresolved(reference, purpose, $"file '{path}' is empty") : value;
    }

    private string FromVault(SecretReference reference, string purpose)
    {
        if (_vault is null)
            throw new BackupToolsException(ErrorIds.ConfigSecretVaultUnavailable, ErrorKind.NotInstalled,
                $"{reference} ({purpose}, {reference.Position}) is a SecretManagement reference, which only the PowerShell module can resolve " +
                "(with Microsoft.PowerShell.SecretManagement installed and the vault registered). In the CLI use env:NAME or file:/path.",
                reference.ToString());
        string? value;
        try
        {
            value = _vault(reference.Vault, reference.Name);
        }
        catch (Exception ex) when (ex is not BackupToolsException)
        {
            throw Unresolved(reference, purpose, $"SecretManagement could not read it ({ex.GetType().Name}: {ex.Message})");
        }
        return string.IsNullOrEmpty(value)
            ? throw Unresolved(reference, purpose, "SecretManagement has no such secret (check Get-SecretInfo -Vault/-Name)")
            : value;
    }

    private static BackupToolsException Unresolved(SecretReference reference, string purpose, string why) =>
        new(ErrorIds.ConfigSecretUnresolved, ErrorKind.ObjectNotFound,
            $"Secret reference {reference} ({purpose}, {reference.Position}) cannot be resolved: {why}.", reference.ToString());
}
