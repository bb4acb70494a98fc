using BackupTools.Notifications;

namespace BackupTools.Tests.Notifications;

/// <summary>The mail settings on their own: HOST[:PORT], defaults of port and security, what is refused, and a ToString without the password.</summary>
public class EmailOptionsTests
{
    private static EmailNotificationOptions Valid => new()
    {
        Server = "smtp.example.com", User = "backups", Password = "pw-secret-123", From = "backups@example.com", To = new[] { "dba@example.com" },
    };

    [Theory]
    [InlineData("smtp.example.com", "smtp.example.com", null)]
    [InlineData("smtp.example.com:2525", "smtp.example.com", 2525)]
    [InlineData("127.0.0.1:25", "127.0.0.1", 25)]
    [InlineData("[::1]:465", "::1", 465)]
    [InlineData("::1", "::1", null)]
    public void The_server_is_host_or_host_and_port(string text, string host, int? port) =>
        Assert.Equal((host, port), EmailNotificationOptions.ParseServer(text, "server"));

    [Theory]
    [InlineData("smtp://smtp.example.com")]
    [InlineData("smtp.example.com:0")]
    [InlineData("smtp.example.com:smtp")]
    [InlineData("user@smtp.example.com")]
    [InlineData("[::1")]
    public void A_server_that_is_not_host_and_port_is_refused(string text) =>
        Assert.Equal(ErrorIds.NotificationOptionsInvalid, Assert.Throws<BackupToolsException>(() => EmailNotificationOptions.ParseServer(text, "server")).ErrorId);

    [Fact]
    public void Security_defaults_to_STARTTLS_on_587_and_implicit_TLS_on_465()
    {
        Assert.Equal((SmtpSecurity.StartTls, 587), (Valid.EffectiveSecurity, Valid.EffectivePort));
        Assert.Equal((SmtpSecurity.Tls, 465), ((Valid with { Port = 465 }).EffectiveSecurity, (Valid with { Port = 465 }).EffectivePort));
        Assert.Equal(465, (Valid with { Security = SmtpSecurity.Tls }).EffectivePort);
        Assert.Equal(25, (Valid with { Security = SmtpSecurity.None, User = null, Password = null }).EffectivePort);
    }

    public static TheoryData<string, EmailNotificationOptions> Refused => new()
    {
        { "recipient", Valid with { To = Array.Empty<string>() } },
        { "not-an-address", Valid with { To = new[] { "not-an-address" } } },
        { "sender", Valid with { From = null } },
        { "without a password", Valid with { Password = null } },
        { "without a user name", Valid with { User = null } },
        { "clear text", Valid with { Security = SmtpSecurity.None } },
        { "does-not-exist.pem", Valid with { CaFile = "/nonexistent/does-not-exist.pem" } },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Settings_that_can_never_send_are_NotificationOptionsInvalid_without_the_password(string named, EmailNotificationOptions email)
    {
        var ex = Assert.Throws<BackupToolsException>(() => new NotificationOptions { Email = email }.Validate());
        Assert.Equal(ErrorIds.NotificationOptionsInvalid, ex.ErrorId);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-secret-123", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_shows_server_user_and_addresses_but_not_the_password()
    {
        var text = new NotificationOptions { Email = Valid }.ToString();
        Assert.Contains("smtp.example.com:587", text, StringComparison.Ordinal);
        Assert.Contains("User = backups", text, StringComparison.Ordinal);
        Assert.Contains("dba@example.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-secret-123", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mail_channel_alone_enables_notifications()
    {
        Assert.True(new NotificationOptions { Email = Valid }.IsEnabled);
        Assert.Same(NotificationOptions.None, NotificationOptions.Combine(new[] { NotificationOptions.None }));
        Assert.NotNull(NotificationOptions.Combine(new[] { new NotificationOptions { Email = Valid } }).Email);
    }
}
