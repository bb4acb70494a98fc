namespace BackupTools.Configuration;

/// <summary>What <see cref="BackupConfigLoader.Validate"/> checks beyond the file itself.</summary>
public sealed class ConfigValidationOptions
{
    public static readonly ConfigValidationOptions Default = new();

    /// <summary>
    /// Check that every secret reference resolves now (env: set and non-empty, file: present and owner-only, secret:
    /// with a vault) and that referenced key and assertion files exist. On by default; turn off to check a file on a
    /// machine other than the one that runs the jobs.
    /// </summary>
    public bool CheckEnvironment { get; init; } = true;

    /// <summary>Also connect: each destination is listed (local: exists and is writable) and each source is checked by its engine.</summary>
    public bool Online { get; init; }

    /// <summary>Resolves secret: references (the PowerShell host passes one backed by SecretManagement); default env:/file: only.</summary>
    public SecretResolver? Secrets { get; init; }
}
