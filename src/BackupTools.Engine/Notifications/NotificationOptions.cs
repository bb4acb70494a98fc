using System.Text;

namespace BackupTools.Notifications;

/// <summary>When the Slack-compatible webhook is called and the mail sent. The healthchecks ping is sent for every run (start, success, fail).</summary>
public enum NotifyWhen
{
    /// <summary>Only when the operation failed (an exception, a failed verification or drill). The default.</summary>
    Failure,
    /// <summary>On success and on failure.</summary>
    Always,
}

/// <summary>
/// Where and how an operation reports its outcome: a healthchecks-style ping URL, a Slack-compatible incoming
/// webhook and/or a mail (<see cref="Email"/>). Both URLs and the SMTP password are SECRETS (they carry the check's or channel's token): they are only ever shown as
/// scheme://host[:port] (see <see cref="NotificationEndpoint.Describe"/>), never whole, and <see cref="ToString"/> redacts them.
/// A notification that cannot be delivered never fails the operation: it becomes a warning.
/// </summary>
public sealed record NotificationOptions
{
    public static NotificationOptions None { get; } = new();

    /// <summary>Base ping URL, e.g. https://hc-ping.com/&lt;uuid&gt;. Gets <c>/start</c> when the operation starts,
    /// the URL itself on success, <c>/fail</c> (body = error text) on failure. Null = no ping.</summary>
    public string? HealthchecksUrl { get; init; }

    /// <summary>A Slack (or Mattermost/Rocket.Chat/Discord <c>/slack</c>) incoming webhook URL. Null = no webhook.</summary>
    public string? SlackWebhookUrl { get; init; }

    /// <summary>A mail through an SMTP server, sent when the webhook would be (<see cref="SlackWhen"/>). Null = no mail.</summary>
    public EmailNotificationOptions? Email { get; init; }

    /// <summary>When the webhook is called and the mail sent (default: on failure only). The healthchecks ping is always sent.</summary>
    public NotifyWhen SlackWhen { get; init; } = NotifyWhen.Failure;

    /// <summary>Time limit of one HTTP attempt (default 10 s).</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>How many times a failed attempt (no connection, timeout, HTTP 5xx or 429) is repeated (default 2, so up to 3 attempts).</summary>
    public int Retries { get; init; } = DefaultRetries;

    /// <summary>Pause before the first retry; doubled for each further one (default 1 s).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Send <c>&lt;url&gt;/start</c> when the operation starts (healthchecks then measures the run time). Default true.</summary>
    public bool SendStart { get; init; } = true;

    /// <summary>Add <c>?rid=&lt;uuid&gt;</c> to every ping so healthchecks pairs each start with its finish (concurrent runs). Default true.</summary>
    public bool IncludeRunId { get; init; } = true;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    public const int DefaultRetries = 2;
    public const int MaxRetries = 10;

    /// <summary>More channels, each with its own URLs and settings (a configuration profile may name several); see <see cref="Combine"/>.
    /// Their own AdditionalChannels are ignored.</summary>
    public IReadOnlyList<NotificationOptions> AdditionalChannels { get; init; } = Array.Empty<NotificationOptions>();

    /// <summary>True when this channel has an endpoint (ignoring <see cref="AdditionalChannels"/>).</summary>
    public bool HasEndpoint => !string.IsNullOrWhiteSpace(HealthchecksUrl) || !string.IsNullOrWhiteSpace(SlackWebhookUrl) || Email is not null;

    /// <summary>True when at least one endpoint is set, here or in <see cref="AdditionalChannels"/>.</summary>
    public bool IsEnabled => HasEndpoint || AdditionalChannels.Any(c => c.HasEndpoint);

    /// <summary>Several channels as one options value: the first, with the others as its <see cref="AdditionalChannels"/>.</summary>
    public static NotificationOptions Combine(IEnumerable<NotificationOptions> channels)
    {
        var list = channels.Where(c => c.IsEnabled).SelectMany(c => new[] { c with { AdditionalChannels = Array.Empty<NotificationOptions>() } }.Concat(c.AdditionalChannels))
            .Where(c => c.HasEndpoint).ToList();
        return list.Count switch
        {
            0 => None,
            1 => list[0],
            _ => list[0] with { AdditionalChannels = list.Skip(1).ToList() },
        };
    }

    /// <summary>Throws <see cref="ErrorIds.NotificationUrlInvalid"/> / <see cref="ErrorIds.NotificationOptionsInvalid"/> for settings that can never work.
    /// Messages name the setting and at most scheme://host, never the URL.</summary>
    public void Validate()
    {
        foreach (var channel in AdditionalChannels) channel.Validate();
        NotificationEndpoint.Parse(HealthchecksUrl, "the healthchecks URL");
        NotificationEndpoint.Parse(SlackWebhookUrl, "the Slack webhook URL");
        Email?.Validate();
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(10))
            throw new BackupToolsException(ErrorIds.NotificationOptionsInvalid, ErrorKind.InvalidArgument,
                $"The notification timeout must be more than 0 and at most 10 minutes (got {Timeout}). Use e.g. 10s.", Timeout);
        if (Retries is < 0 or > MaxRetries)
            throw new BackupToolsException(ErrorIds.NotificationOptionsInvalid, ErrorKind.InvalidArgument,
                $"Notification retries must be 0 to {MaxRetries} (got {Retries}).", Retries);
        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(1))
            throw new BackupToolsException(ErrorIds.NotificationOptionsInvalid, ErrorKind.InvalidArgument,
                $"The notification retry delay must be 0 to 60 seconds (got {RetryDelay}).", RetryDelay);
    }

    /// <summary>Redacted: endpoints as scheme://host only.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("NotificationOptions { ");
        sb.Append("HealthchecksUrl = ").Append(NotificationEndpoint.Describe(HealthchecksUrl) ?? "none");
        sb.Append(", SlackWebhookUrl = ").Append(NotificationEndpoint.Describe(SlackWebhookUrl) ?? "none");
        if (Email is not null) sb.Append(", Email = ").Append(Email);
        sb.Append(", SlackWhen = ").Append(SlackWhen);
        sb.Append(", Timeout = ").Append(Timeout);
        sb.Append(", Retries = ").Append(Retries);
        if (AdditionalChannels.Count > 0) sb.Append(", AdditionalChannels = [").AppendJoin(", ", AdditionalChannels).Append(']');
        return sb.Append(" }").ToString();
    }
}

/// <summary>
/// Reads a notification URL from exactly one source: a value (PowerShell), the NAME of an environment variable, or a
/// file (first line, not readable by group or others). The CLI offers only the last two. Messages never contain the URL.
/// </summary>
public static class NotificationSecrets
{
    /// <param name="what">How the setting is called in messages, e.g. "-HealthchecksUrl / --healthchecks-url-env".</param>
    public static string? Read(string? value, string? environmentVariable, string? file, string what)
    {
        var sources = new[] { value is not null, environmentVariable is not null, file is not null }.Count(x => x);
        if (sources == 0) return null;
        if (sources > 1)
            throw Invalid(ErrorKind.InvalidArgument, $"Give {what} one way only: the URL, an environment variable name, or a file.", null);
        string? url;
        if (value is not null) url = value;
        else if (environmentVariable is not null)
        {
            if (string.IsNullOrWhiteSpace(environmentVariable))
                throw Invalid(ErrorKind.InvalidArgument, $"{what} needs the NAME of an environment variable, not an empty string.", null);
            url = Environment.GetEnvironmentVariable(environmentVariable);
            if (string.IsNullOrWhiteSpace(url))
                throw Invalid(ErrorKind.InvalidArgument,
                    $"Environment variable '{environmentVariable}' ({what}) is not set or is empty. Set it to the URL, or leave the option out.", environmentVariable);
        }
        else url = FromFile(file!, what);
        url = url.Trim();
        NotificationEndpoint.Parse(url, what);
        return url;
    }

    private static string FromFile(string path, string what)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw Invalid(ErrorKind.ObjectNotFound, $"The file '{full}' ({what}) does not exist.", full);
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(full);
            const UnixFileMode exposed = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
            if ((mode & exposed) != 0)
                throw Invalid(ErrorKind.PermissionDenied,
                    $"The file '{full}' ({what}) is readable or writable by group or others; the URL in it is a secret. Restrict it first: chmod 600 '{full}'.", full);
        }
        string text;
        try
        {
            text = File.ReadAllText(full, Encoding.UTF8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(ErrorIds.NotificationUrlInvalid, ErrorKind.ReadError, $"The file '{full}' ({what}) cannot be read: {ex.Message}", full, ex);
        }
        var line = text.Split('\n', 2)[0].Trim();
        if (line.Length == 0)
            throw Invalid(ErrorKind.InvalidArgument, $"The file '{full}' ({what}) is empty; its first line must be the URL.", full);
        return line;
    }

    private static BackupToolsException Invalid(ErrorKind kind, string message, object? target) =>
        new(ErrorIds.NotificationUrlInvalid, kind, message, target);
}
