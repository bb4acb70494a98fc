using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace BackupTools.Notifications;

/// <summary>
/// Sends one notification mail over SMTP (MailKit), under the delivery rule of every channel (<see cref="Delivery"/>):
/// the options' timeout per attempt, retries for what may pass (no connection, timeout, a 4xx answer), and a warning
/// naming the server and the user for what did not. The password goes to the AUTH command only and is cut out of any
/// reason shown. The server's certificate is checked (chain and host name) for starttls and tls.
/// </summary>
internal static class EmailSender
{
    public static Task<bool> SendAsync(EmailNotificationOptions email, NotificationReport report, string what, NotificationOptions options,
        IOperationObserver observer, string operationName, CancellationToken ct)
    {
        var target = $"the SMTP server {email.Endpoint}" + (email.User is { } user ? $" as user '{user}'" : "");
        return Delivery.RunAsync(what, target, options, observer, operationName, async token =>
        {
            var attempt = await AttemptAsync(email, report, options.Timeout, token).ConfigureAwait(false);
            return attempt with { Detail = Redact(attempt.Detail, email.Password) };
        }, ct);
    }

    private static async Task<Delivery.Attempt> AttemptAsync(EmailNotificationOptions email, NotificationReport report, TimeSpan timeout, CancellationToken token)
    {
        var message = EmailMessage.Compose(email, report);
        using var client = new SmtpClient { Timeout = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds) };
        string? certificateProblem = null;
        client.ServerCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            certificateProblem = CertificateCheck.Problem(certificate, chain, errors, email.CaFile);
            return certificateProblem is null;
        };
        try
        {
            await client.ConnectAsync(email.Server, email.EffectivePort, Socket(email.EffectiveSecurity), token).ConfigureAwait(false);
            if (email.User is not null)
                await client.AuthenticateAsync(new NetworkCredential(email.User, email.Password), token).ConfigureAwait(false);
            var answer = await client.SendAsync(message, token).ConfigureAwait(false);
            await QuitAsync(client, token).ConfigureAwait(false);
            return Delivery.Attempt.Delivered($"{email.EffectiveSecurity}, {answer.Trim()}");
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // The deadline or the operation closed the connection under MailKit: a timeout or a stop, whatever it threw.
            throw new OperationCanceledException(token);
        }
        catch (MailKit.Security.AuthenticationException ex)
        {
            return Delivery.Attempt.Failed($"the server refused the user name or password ({FirstLine(ex.Message)})", retryable: false);
        }
        catch (SslHandshakeException ex)
        {
            return Delivery.Attempt.Failed(certificateProblem is not null
                ? $"TLS failed: the server's certificate was not accepted: {certificateProblem}"
                : $"TLS failed: {Delivery.Describe(ex.InnerException ?? ex)}", retryable: false);
        }
        catch (SmtpCommandException ex)
        {
            var status = (int)ex.StatusCode;
            return Delivery.Attempt.Failed($"the server answered {status} {FirstLine(ex.Message)}", retryable: status is >= 400 and < 500);
        }
        catch (NotSupportedException ex)
        {
            // STARTTLS or AUTH not offered by the server: asking again changes nothing.
            return Delivery.Attempt.Failed(FirstLine(ex.Message), retryable: false);
        }
        catch (TimeoutException)
        {
            // MailKit's own read limit (the same length as the deadline) may end the attempt first.
            return Delivery.Attempt.Failed($"no answer within {NotificationReport.FormatDuration(timeout)}", retryable: true);
        }
        catch (Exception ex) when (ex is SocketException or IOException or SmtpProtocolException or ServiceNotConnectedException)
        {
            return Delivery.Attempt.Failed(Delivery.Describe(ex), retryable: true);
        }
    }

    /// <summary>QUIT politely; the mail is accepted already, so a connection that drops now does not make it a failure.</summary>
    private static async Task QuitAsync(SmtpClient client, CancellationToken token)
    {
        try
        {
            await client.DisconnectAsync(true, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException or OperationCanceledException)
        {
        }
    }

    private static SecureSocketOptions Socket(SmtpSecurity security) => security switch
    {
        SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.None,
    };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    /// <summary>A server or library message must never carry the password on, whatever it quotes.</summary>
    internal static string Redact(string text, string? password) =>
        string.IsNullOrEmpty(password) ? text : text.Replace(password, "***", StringComparison.Ordinal);
}

/// <summary>The server certificate rule of the mail channel: the host name must match; the chain must end at a system CA, or at
/// one of the CA file's certificates when one is given.</summary>
internal static class CertificateCheck
{
    /// <summary>Null when the certificate is accepted, else why not (shown in the warning).</summary>
    public static string? Problem(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string? caFile)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) return "the server sent no certificate";
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) return "its name does not match the server name";
        if (caFile is null)
            return errors == SslPolicyErrors.None ? null : $"it does not chain to a trusted CA ({ChainStatus(chain)})";
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(EmailNotificationOptions.LoadCaFile(caFile));
        if (chain is not null)
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf) ? null : $"it does not chain to a certificate of the CA file '{caFile}' ({ChainStatus(custom)})";
    }

    private static string ChainStatus(X509Chain? chain)
    {
        var statuses = chain?.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList();
        return statuses is { Count: > 0 } ? string.Join("; ", statuses) : "untrusted";
    }
}
