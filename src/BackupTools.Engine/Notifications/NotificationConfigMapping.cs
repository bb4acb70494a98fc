using BackupTools.Configuration;

namespace BackupTools.Notifications;

/// <summary>The notification channels a configuration profile names (issue 8's <see cref="NotificationConfig"/>) as engine options.</summary>
public static class NotificationConfigMapping
{
    /// <summary>
    /// All <paramref name="channels"/> as one <see cref="NotificationOptions"/> (the first, the rest as AdditionalChannels); the URL
    /// references (env:/file:/secret:) are resolved now, through <paramref name="secrets"/>, so a missing variable fails before the
    /// operation (ConfigSecretUnresolved). A resolved value that is not an http(s) URL fails when the operation starts (NotificationUrlInvalid).
    /// </summary>
    public static NotificationOptions ToOptions(IEnumerable<NotificationConfig> channels, SecretResolver secrets) =>
        NotificationOptions.Combine(channels.Select(c => new NotificationOptions
        {
            HealthchecksUrl = c.HealthchecksUrl is { } hc ? secrets.Resolve(hc, $"healthchecksUrl of notification '{c.Name}'") : null,
            SlackWebhookUrl = c.SlackWebhookUrl is { } slack ? secrets.Resolve(slack, $"slackWebhookUrl of notification '{c.Name}'") : null,
            Email = c.Email is { } email ? Email(email, c.Name, secrets) : null,
            SlackWhen = string.Equals(c.On, "always", StringComparison.OrdinalIgnoreCase) ? NotifyWhen.Always : NotifyWhen.Failure,
            Timeout = c.Timeout ?? NotificationOptions.DefaultTimeout,
            Retries = c.Retries ?? NotificationOptions.DefaultRetries,
        }));

    private static EmailNotificationOptions Email(EmailConfig email, string channel, SecretResolver secrets)
    {
        var (host, port) = EmailNotificationOptions.ParseServer(email.Server, "server");
        return new EmailNotificationOptions
        {
            Server = host,
            Port = email.Port ?? port,
            Security = EmailNotificationOptions.ParseSecurity(email.Tls),
            User = email.User,
            Password = email.Password is { } password ? secrets.Resolve(password, $"SMTP password of notification '{channel}'") : null,
            From = email.From,
            To = email.To,
            CaFile = email.CaFile,
        };
    }
}
