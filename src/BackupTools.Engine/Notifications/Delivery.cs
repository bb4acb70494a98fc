namespace BackupTools.Notifications;

/// <summary>
/// The one delivery rule of every notification channel (HTTP pings and webhooks, mail): each attempt gets the
/// options' timeout (<see cref="Util.RequestDeadline"/>, linked to the operation's cancellation), a failure that may
/// pass is retried after RetryDelay, doubled each time, and what still failed becomes one warning that names the
/// target (never a secret) and says the operation is not affected. Never throws.
/// </summary>
internal static class Delivery
{
    /// <summary>How one attempt ended: delivered (with a detail for -Verbose), or failed with a reason shown to the user.</summary>
    internal readonly record struct Attempt(bool Succeeded, string Detail, bool Retryable)
    {
        public static Attempt Delivered(string detail) => new(true, detail, false);
        public static Attempt Failed(string reason, bool retryable) => new(false, reason, retryable);
    }

    /// <param name="what">What is sent, e.g. "failure ping", "success mail".</param>
    /// <param name="target">Where to, as shown in messages, e.g. "the healthchecks endpoint https://hc-ping.com"; never a secret.</param>
    /// <param name="attempt">One attempt under the given token (cancelled by the deadline or the operation); a timeout
    /// is reported by the rule itself, other failures by the attempt's result.</param>
    public static async Task<bool> RunAsync(string what, string target, NotificationOptions options, IOperationObserver observer, string operationName,
        Func<CancellationToken, Task<Attempt>> attempt, CancellationToken ct)
    {
        var attempts = 1 + Math.Max(0, options.Retries);
        var delay = options.RetryDelay;
        var count = 0;
        Attempt result;
        while (true)
        {
            count++;
            using (var deadline = new Util.RequestDeadline(options.Timeout, ct))
            {
                try
                {
                    result = await attempt(deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    observer.Verbose($"Notification: {what} to {target} abandoned: the {operationName} was stopped.");
                    return false;
                }
                catch (OperationCanceledException)
                {
                    result = Attempt.Failed($"no answer within {NotificationReport.FormatDuration(options.Timeout)}", retryable: true);
                }
            }
            if (result.Succeeded)
            {
                observer.Verbose($"Notification: {what} sent to {target} ({result.Detail}).");
                return true;
            }
            if (!result.Retryable || count >= attempts) break;
            observer.Verbose($"Notification: {what} to {target} failed (attempt {count} of {attempts}: {result.Detail}); retrying in {NotificationReport.FormatDuration(delay)}.");
            try
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            delay += delay;
        }
        observer.Warning($"Could not send the {what} to {target}: {result.Detail} " +
            $"({count} attempt{(count == 1 ? "" : "s")}). The {operationName} itself is not affected.");
        return false;
    }

    /// <summary>The message of a connection failure with its inner causes (e.g. "Connection refused"); callers redact secrets.</summary>
    public static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null && parts.Count < 3; e = e.InnerException)
        {
            var line = e.Message.Split('\n', 2)[0].Trim();
            if (line.Length > 0 && !parts.Contains(line)) parts.Add(line);
        }
        return parts.Count == 0 ? ex.GetType().Name : string.Join(" - ", parts);
    }
}
