using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace BackupTools.Notifications;

/// <summary>
/// Sends the notifications of one operation. Usage (what New-DbBackup, Test-BackupIntegrity, Invoke-DrDrill and
/// Invoke-BackupPlan do):
/// <code>
/// var info = await Notifier.RunAsync(options, NotificationOperation.Backup, database, observer,
///     (scope, ct) => BackupCore(..., ct), result => NotificationOutcome.Success(result.Database, "..."), ct);
/// </code>
/// or, step by step, <see cref="NotificationScope.Start"/> then <see cref="NotificationScope.CompleteAsync"/>.
/// Delivery problems never fail or block the operation beyond Timeout x (1 + Retries) plus the backoff: they become
/// warnings through the observer that name the endpoint's scheme://host and the reason, never the URL.
/// </summary>
public static class Notifier
{
    private static readonly Lazy<HttpClient> SharedClient = new(CreateClient);

    /// <summary>Sends start, runs <paramref name="operation"/>, sends success (or the failure <paramref name="outcome"/> reports) or the
    /// exception's failure, and returns the result or rethrows the original exception unchanged. A cancelled operation sends nothing more.</summary>
    /// <param name="outcome">Turns a result into an outcome (e.g. a verification that ran but did not pass is a failure); null = success.</param>
    /// <exception cref="BackupToolsException"><see cref="ErrorIds.NotificationUrlInvalid"/> or <see cref="ErrorIds.NotificationOptionsInvalid"/>
    /// for unusable settings, before the operation runs; otherwise only what the operation itself throws.</exception>
    public static async Task<T> RunAsync<T>(NotificationOptions? options, NotificationOperation operation, string? database, IOperationObserver observer,
        Func<NotificationScope, CancellationToken, Task<T>> run, Func<T, NotificationOutcome>? outcome, CancellationToken ct)
    {
        var scope = NotificationScope.Start(options, operation, database, observer, ct);
        return await scope.RunAsync(c => run(scope, c), outcome, ct).ConfigureAwait(false);
    }

    /// <summary>Reports a failure that happened before the operation could start (e.g. a source that does not exist, found by a
    /// host's pre-check): a /fail ping and the webhook, without a start ping. Never throws for delivery problems.</summary>
    public static async Task NotifyFailureAsync(NotificationOptions? options, NotificationOperation operation, string? database, Exception error,
        IOperationObserver observer, CancellationToken ct)
    {
        if (options is null || !options.IsEnabled) return;
        NotificationScope scope;
        try
        {
            scope = NotificationScope.Start(options with { SendStart = false }, operation, database, observer, ct);
        }
        catch (BackupToolsException ex)
        {
            // Unusable settings must not hide the failure being reported.
            observer.Warning($"The failure was not notified: {ex.Message}");
            return;
        }
        await scope.CompleteAsync(NotificationOutcome.FromException(error, database), ct).ConfigureAwait(false);
    }

    /// <summary>True when <paramref name="ex"/> means the operation was stopped (Ctrl+C, StopProcessing), which sends no notification.</summary>
    public static bool IsCancellation(Exception ex, CancellationToken ct) =>
        (ex is OperationCanceledException && ct.IsCancellationRequested) ||
        (ex is BackupToolsException { Kind: ErrorKind.OperationStopped });

    /// <summary>One POST with retries (<see cref="Delivery"/>). Returns true when delivered; false (after a warning) when not; never throws.</summary>
    internal static Task<bool> SendAsync(Uri url, string endpointKind, string what, string body, string mediaType,
        NotificationOptions options, IOperationObserver observer, string operationName, CancellationToken ct)
    {
        var target = $"the {endpointKind} endpoint {NotificationEndpoint.Describe(url)}";
        return Delivery.RunAsync(what, target, options, observer, operationName, async token =>
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url)
                {
                    Content = new StringContent(body, new UTF8Encoding(false), mediaType),
                };
                using var response = await SharedClient.Value.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return Delivery.Attempt.Delivered($"HTTP {(int)response.StatusCode}");
                var answer = await ReadShortAsync(response, token).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                return Delivery.Attempt.Failed(
                    NotificationEndpoint.Redact($"HTTP {status} {response.ReasonPhrase}{(answer.Length > 0 ? ": " + answer : "")}", url),
                    retryable: status >= 500 || status is 408 or 429);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException)
            {
                return Delivery.Attempt.Failed(NotificationEndpoint.Redact(Delivery.Describe(ex), url), retryable: true);
            }
        }, ct);
    }

    private static async Task<string> ReadShortAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            return text.Length > 200 ? text[..200] + "..." : text;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            return "";
        }
    }

    private static HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = true,
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("BackupTools", Operations.BackupOperation.BackupToolsVersion));
        return client;
    }
}

/// <summary>
/// The notifications of one run of one operation on one database. <see cref="Start"/> sends the healthchecks start ping in
/// the background (the operation does not wait for it); <see cref="CompleteAsync"/> sends success or failure once.
/// With no endpoint configured every call is a no-op, so callers never branch.
/// </summary>
public sealed class NotificationScope
{
    /// <summary>One set of endpoints with its own settings (the options themselves, then each of their AdditionalChannels).</summary>
    private sealed record Channel(NotificationOptions Options, Uri? Healthchecks, Uri? Slack);

    private readonly IReadOnlyList<Channel> _channels;
    private readonly IOperationObserver _observer;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Task _start = Task.CompletedTask;
    private int _completed;

    private NotificationScope(IReadOnlyList<Channel> channels, NotificationOperation operation, string? database, IOperationObserver observer)
    {
        _channels = channels;
        Operation = operation;
        Database = database;
        _observer = observer;
    }

    public NotificationOperation Operation { get; }

    /// <summary>The database, once known (a backup learns its name after reading the source); shown in the messages.</summary>
    public string? Database { get; set; }

    /// <summary>The run id sent as <c>rid</c> with every ping of this run.</summary>
    public string RunId { get; } = Guid.NewGuid().ToString();

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public bool IsEnabled => _channels.Count > 0;

    /// <summary>Validates <paramref name="options"/> (throws <see cref="ErrorIds.NotificationUrlInvalid"/> for a malformed URL) and sends the
    /// start ping(s) in the background. Returns at once.</summary>
    public static NotificationScope Start(NotificationOptions? options, NotificationOperation operation, string? database, IOperationObserver observer, CancellationToken ct)
    {
        options ??= NotificationOptions.None;
        var channels = new List<Channel>();
        if (options.IsEnabled)
        {
            options.Validate();
            foreach (var o in new[] { options }.Concat(options.AdditionalChannels).Where(o => o.HasEndpoint))
                channels.Add(new Channel(o, NotificationEndpoint.Parse(o.HealthchecksUrl, "the healthchecks URL"), NotificationEndpoint.Parse(o.SlackWebhookUrl, "the Slack webhook URL")));
        }
        var scope = new NotificationScope(channels, operation, database, observer);
        var starts = channels.Where(c => c.Healthchecks is not null && c.Options.SendStart).ToList();
        if (starts.Count > 0)
        {
            var body = $"BackupTools {scope.OperationName} of '{database ?? "(database not known yet)"}' started on {Environment.MachineName}\n";
            scope._start = Task.Run(() => Task.WhenAll(starts.Select(c => Notifier.SendAsync(
                NotificationEndpoint.Ping(c.Healthchecks!, "start", c.Options.IncludeRunId ? scope.RunId : null), "healthchecks", "start ping", body, "text/plain",
                c.Options, observer, scope.OperationName, ct))), CancellationToken.None);
        }
        return scope;
    }

    private string OperationName => Operation.ToString().ToLowerInvariant();

    public Task SucceededAsync(string? summary, CancellationToken ct) => CompleteAsync(NotificationOutcome.Success(Database, summary), ct);

    public Task FailedAsync(string errorId, string message, CancellationToken ct) => CompleteAsync(NotificationOutcome.Failure(Database, errorId, message), ct);

    public Task FailedAsync(Exception error, CancellationToken ct) => CompleteAsync(NotificationOutcome.FromException(error, Database), ct);

    /// <summary>Sends the finish notifications (healthchecks success or /fail; the webhook and the mail on failure, or always if asked), in parallel,
    /// after the start ping has ended. Only the first call counts. Never throws; returns at once when <paramref name="ct"/> is cancelled.</summary>
    public async Task CompleteAsync(NotificationOutcome outcome, CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 1 || !IsEnabled || ct.IsCancellationRequested) return;
        if (outcome.Database is { Length: > 0 } db) Database = db;
        await _start.ConfigureAwait(false); // bounded by its own timeout and linked to ct; keeps start before finish
        if (ct.IsCancellationRequested) return;
        var report = new NotificationReport(Operation, Database, Environment.MachineName, StartedAt, _clock.Elapsed, RunId, outcome);
        var sends = new List<Task>();
        foreach (var channel in _channels)
        {
            if (channel.Healthchecks is { } healthchecks)
            {
                var url = NotificationEndpoint.Ping(healthchecks, outcome.Succeeded ? null : "fail", channel.Options.IncludeRunId ? RunId : null);
                sends.Add(Notifier.SendAsync(url, "healthchecks", outcome.Succeeded ? "success ping" : "failure ping", report.PingBody(), "text/plain",
                    channel.Options, _observer, OperationName, ct));
            }
            var told = !outcome.Succeeded || channel.Options.SlackWhen == NotifyWhen.Always;
            if (channel.Slack is { } slack && told)
            {
                sends.Add(Notifier.SendAsync(slack, "Slack webhook", outcome.Succeeded ? "success message" : "failure message", report.SlackPayload(), "application/json",
                    channel.Options, _observer, OperationName, ct));
            }
            if (channel.Options.Email is { } email && told)
                sends.Add(EmailSender.SendAsync(email, report, outcome.Succeeded ? "success mail" : "failure mail", channel.Options, _observer, OperationName, ct));
        }
        await Task.WhenAll(sends).ConfigureAwait(false);
    }

    /// <summary>Runs the operation and completes the scope with its outcome; rethrows the operation's exception unchanged.</summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, Func<T, NotificationOutcome>? outcome, CancellationToken ct)
    {
        T result;
        try
        {
            result = await operation(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (!Notifier.IsCancellation(ex, ct))
        {
            await CompleteAsync(NotificationOutcome.FromException(ex, Database), ct).ConfigureAwait(false);
            throw;
        }
        await CompleteAsync(outcome?.Invoke(result) ?? NotificationOutcome.Success(Database), ct).ConfigureAwait(false);
        return result;
    }
}
