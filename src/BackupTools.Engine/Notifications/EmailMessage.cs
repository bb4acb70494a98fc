using MimeKit;

namespace BackupTools.Notifications;

/// <summary>Mail addresses as the notification settings take them: one plain address each (name@domain, or "Name &lt;name@domain&gt;").</summary>
internal static class EmailAddresses
{
    public static MailboxAddress Check(string text, string role)
    {
        if (!MailboxAddress.TryParse(ParserOptions.Default, text.Trim(), out var mailbox) || !mailbox.Address.Contains('@') || mailbox.Address.StartsWith('@') || mailbox.Address.EndsWith('@'))
            throw EmailNotificationOptions.Invalid($"The {role} address '{text}' is not a mail address; write name@example.com.", text);
        return mailbox;
    }
}

/// <summary>The mail of a finished run: the subject is the headline the other channels send (operation, database, outcome,
/// host), the body the healthchecks ping's text, so every channel tells the same.</summary>
internal static class EmailMessage
{
    public static MimeMessage Compose(EmailNotificationOptions email, NotificationReport report)
    {
        var message = new MimeMessage();
        message.From.Add(EmailAddresses.Check(email.From!, "sender"));
        foreach (var to in email.To) message.To.Add(EmailAddresses.Check(to, "recipient"));
        message.Subject = report.Headline;
        // RFC 3834: an automatic message, so vacation responders do not answer it.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Headers.Add("X-BackupTools-Run", report.RunId);
        message.Body = new TextPart("plain") { Text = report.PingBody() };
        return message;
    }
}
