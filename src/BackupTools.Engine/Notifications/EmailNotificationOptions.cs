using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace BackupTools.Notifications;

/// <summary>How the connection to the SMTP server is protected.</summary>
public enum SmtpSecurity
{
    /// <summary>No TLS (a relay on the local network, port 25). Refused with a user and password: they would cross the network in clear text.</summary>
    None,
    /// <summary>Plain connection upgraded with STARTTLS, which the server must offer (port 587). The default.</summary>
    StartTls,
    /// <summary>TLS from the first byte, "implicit TLS" or SMTPS (port 465).</summary>
    Tls,
}

/// <summary>
/// The mail channel of a notification: the SMTP server, how to reach it and the addresses. <see cref="Password"/> is a
/// SECRET: it goes to the server's AUTH command and nowhere else; <see cref="ToString"/> leaves it out, and messages name
/// the server and the user only.
/// </summary>
public sealed record EmailNotificationOptions
{
    /// <summary>Host name or IP address of the SMTP server (no port: see <see cref="Port"/>).</summary>
    public required string Server { get; init; }

    /// <summary>TCP port; null = by <see cref="Security"/>: 465 for Tls, 587 for StartTls, 25 for None.</summary>
    public int? Port { get; init; }

    /// <summary>Null = Tls on port 465, StartTls otherwise.</summary>
    public SmtpSecurity? Security { get; init; }

    /// <summary>User name for SMTP AUTH (PLAIN/LOGIN, whatever the server offers); null = no AUTH.</summary>
    public string? User { get; init; }

    /// <summary>The password for <see cref="User"/>. Secret.</summary>
    public string? Password { get; init; }

    /// <summary>The sender address (the From header and the envelope sender).</summary>
    public string? From { get; init; }

    /// <summary>The recipients (at least one).</summary>
    public IReadOnlyList<string> To { get; init; } = Array.Empty<string>();

    /// <summary>A PEM file of CA certificates the server's certificate must chain to, instead of the system's CAs (an
    /// internal mail relay with its own CA). Null = the system's trust store. The host name is checked either way.</summary>
    public string? CaFile { get; init; }

    public SmtpSecurity EffectiveSecurity => Security ?? (Port == 465 ? SmtpSecurity.Tls : SmtpSecurity.StartTls);

    public int EffectivePort => Port ?? EffectiveSecurity switch
    {
        SmtpSecurity.Tls => 465,
        SmtpSecurity.StartTls => 587,
        _ => 25,
    };

    /// <summary>host:port, as messages show the server.</summary>
    public string Endpoint => (Server.Contains(':') ? $"[{Server}]" : Server) + ":" + EffectivePort.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The mail channel from a host's settings (cmdlet parameters, CLI flags), or null when none of them is given. The
    /// server is HOST[:PORT]; <paramref name="tls"/> is none, starttls or tls (any case). Call <see cref="Validate"/> after.
    /// </summary>
    public static EmailNotificationOptions? FromSettings(IReadOnlyList<string>? to, string? from, string? server, string? user, string? password,
        string? tls, string? caFile)
    {
        if (to is not { Count: > 0 } && new[] { from, server, user, password, tls, caFile }.All(v => v is null)) return null;
        var (host, port) = server is null ? ("", (int?)null) : ParseServer(server, "The SMTP server");
        return new EmailNotificationOptions
        {
            Server = host,
            Port = port,
            Security = ParseSecurity(tls),
            User = user,
            Password = password,
            From = from,
            To = to ?? Array.Empty<string>(),
            CaFile = caFile is null ? null : Path.GetFullPath(caFile),
        };
    }

    /// <summary>none, starttls or tls (any case); null stays null (the default by port).</summary>
    public static SmtpSecurity? ParseSecurity(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "none" => SmtpSecurity.None,
        "starttls" => SmtpSecurity.StartTls,
        "tls" or "ssl" => SmtpSecurity.Tls,
        _ => throw Invalid($"'{text}' is not an SMTP security mode; use none, starttls or tls.", text),
    };

    /// <summary>Reads HOST, HOST:PORT or [IPv6]:PORT (the form of --smtp-server and -SmtpServer).</summary>
    /// <exception cref="BackupToolsException"><see cref="ErrorIds.NotificationOptionsInvalid"/>.</exception>
    public static (string Host, int? Port) ParseServer(string text, string what)
    {
        var value = text.Trim();
        string host;
        string? port = null;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']');
            if (close < 0) throw Invalid($"{what} '{text}' opens '[' without closing it; write [IPv6]:PORT.", text);
            host = value[1..close];
            var rest = value[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':')) throw Invalid($"{what} '{text}' has text after ']'; write [IPv6]:PORT.", text);
                port = rest[1..];
            }
        }
        else if (value.Count(c => c == ':') == 1)
        {
            var colon = value.IndexOf(':');
            host = value[..colon];
            port = value[(colon + 1)..];
        }
        else host = value;
        if (host.Length == 0 || host.Contains('/') || host.Contains('@') || host.Any(char.IsWhiteSpace))
            throw Invalid($"{what} '{text}' is not a host name or address; write HOST or HOST:PORT, e.g. smtp.example.com:587 (no smtp:// prefix).", text);
        if (port is null) return (host, null);
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            throw Invalid($"{what} '{text}' has an invalid port; give 1 to 65535.", text);
        return (host, number);
    }

    /// <summary>Throws <see cref="ErrorIds.NotificationOptionsInvalid"/> for settings that can never send a mail.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Server))
            throw Invalid("The mail notification needs an SMTP server (HOST or HOST:PORT).", null);
        if (Port is < 1 or > 65535)
            throw Invalid($"The SMTP port must be 1 to 65535 (got {Port}).", Port);
        if (To.Count == 0)
            throw Invalid("The mail notification needs at least one recipient address.", null);
        foreach (var address in To) EmailAddresses.Check(address, "recipient");
        if (string.IsNullOrWhiteSpace(From))
            throw Invalid("The mail notification needs a sender address (From); many servers refuse mail without a real one.", null);
        EmailAddresses.Check(From, "sender");
        if (User is null != Password is null)
            throw Invalid(User is null
                ? "An SMTP password was given without a user name; give both, or neither for a server that needs no AUTH."
                : $"The SMTP user '{User}' was given without a password; give both, or neither for a server that needs no AUTH.", User);
        if (User is not null && EffectiveSecurity == SmtpSecurity.None)
            throw Invalid($"The SMTP user '{User}' and password would cross the network in clear text with no TLS; use starttls or tls.", User);
        if (CaFile is not null)
        {
            if (EffectiveSecurity == SmtpSecurity.None)
                throw Invalid("A CA file only applies to a TLS connection (starttls or tls).", CaFile);
            LoadCaFile(CaFile);
        }
    }

    /// <summary>The certificates of <paramref name="path"/> (PEM); throws <see cref="ErrorIds.NotificationOptionsInvalid"/> when there are none.</summary>
    internal static X509Certificate2Collection LoadCaFile(string path)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new BackupToolsException(ErrorIds.NotificationOptionsInvalid, ex is FileNotFoundException or DirectoryNotFoundException ? ErrorKind.ObjectNotFound : ErrorKind.InvalidArgument,
                $"The SMTP CA file '{path}' cannot be read as PEM certificates: {ex.Message}", path, ex);
        }
        if (certificates.Count == 0)
            throw Invalid($"The SMTP CA file '{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).", path);
        return certificates;
    }

    /// <summary>Everything but the password.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("Email { Server = ").Append(Endpoint).Append(", Security = ").Append(EffectiveSecurity);
        if (User is not null) sb.Append(", User = ").Append(User).Append(", Password = ***");
        sb.Append(", From = ").Append(From ?? "none").Append(", To = [").AppendJoin(", ", To).Append(']');
        if (CaFile is not null) sb.Append(", CaFile = ").Append(CaFile);
        return sb.Append(" }").ToString();
    }

    internal static BackupToolsException Invalid(string message, object? target) =>
        new(ErrorIds.NotificationOptionsInvalid, ErrorKind.InvalidArgument, message, target);
}
