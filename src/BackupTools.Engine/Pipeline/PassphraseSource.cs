using System.Text;

namespace BackupTools.Pipeline;

/// <summary>Resolves the one passphrase source of an <see cref="EncryptionOptions"/>. Messages name the source, never the secret.</summary>
internal static class PassphraseSource
{
    /// <summary>The passphrase, or null when no source is set. Exactly one source may be set.</summary>
    public static char[]? Resolve(EncryptionOptions options)
    {
        var sources = new[] { options.Passphrase is not null, options.PassphraseFile is not null, options.PassphraseEnvironmentVariable is not null }.Count(x => x);
        if (sources == 0) return null;
        if (sources > 1)
            throw new BackupToolsException(ErrorIds.PassphraseSourceInvalid, ErrorKind.InvalidArgument,
                "Give the passphrase one way only: -Passphrase, -PassphraseFile or -PassphraseEnvironmentVariable " +
                "(CLI --passphrase-file or --passphrase-env).", null);
        if (options.Passphrase is { } direct)
            return NonEmpty(direct, "-Passphrase");
        if (options.PassphraseEnvironmentVariable is { } name)
            return FromEnvironment(name, "--passphrase-env / -PassphraseEnvironmentVariable");
        return FromFile(options.PassphraseFile!);
    }

    /// <summary>The private key's passphrase (direct or from an environment variable); empty when none is set.</summary>
    public static char[] ResolvePrivateKeyPassphrase(EncryptionOptions options)
    {
        if (options.PrivateKeyPassphrase is { } direct) return direct.ToCharArray();
        if (options.PrivateKeyPassphraseEnvironmentVariable is { } name)
            return FromEnvironment(name, "--private-key-passphrase-env");
        return Array.Empty<char>();
    }

    private static char[] FromEnvironment(string name, string option)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new BackupToolsException(ErrorIds.PassphraseSourceInvalid, ErrorKind.InvalidArgument,
                $"{option} needs the NAME of an environment variable, not an empty string.", null);
        var value = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(value))
            throw new BackupToolsException(ErrorIds.PassphraseSourceInvalid, ErrorKind.InvalidArgument,
                $"Environment variable '{name}' ({option}) is not set or is empty. Set it to the passphrase, or give a passphrase file.", name);
        return value.ToCharArray();
    }

    private static char[] FromFile(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new BackupToolsException(ErrorIds.PassphraseSourceInvalid, ErrorKind.ObjectNotFound,
                $"Passphrase file '{full}' does not exist.", full);
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(full);
            const UnixFileMode exposed = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
            if ((mode & exposed) != 0)
                throw new BackupToolsException(ErrorIds.PassphraseFileInsecure, ErrorKind.PermissionDenied,
                    $"Passphrase file '{full}' is readable or writable by group or others (mode {Convert.ToString((int)mode & 0x1FF, 8)}). " +
                    $"Restrict it first: chmod 600 '{full}'.", full);
        }
        string text;
        try
        {
            text = File.ReadAllText(full, Encoding.UTF8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(ErrorIds.PassphraseSourceInvalid, ErrorKind.ReadError,
                $"Passphrase file '{full}' cannot be read: {ex.Message}", full, ex);
        }
        // Like gpg --passphrase-file: the first line, without its line ending.
        var newline = text.IndexOfAny(new[] { '\r', '\n' });
        return NonEmpty(newline >= 0 ? text[..newline] : text, $"passphrase file '{full}'");
    }

    private static char[] NonEmpty(string value, string what) =>
        value.Length > 0
            ? value.ToCharArray()
            : throw new BackupToolsException(ErrorIds.PassphraseSourceInvalid, ErrorKind.InvalidArgument,
                $"The passphrase from {what} is empty. Use a non-empty passphrase.", null);
}
