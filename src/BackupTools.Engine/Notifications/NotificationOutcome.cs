using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BackupTools.Notifications;

/// <summary>What is being reported on; shown in lower case (backup, verify, drill, plan).</summary>
public enum NotificationOperation
{
    Backup,
    Verify,
    Drill,
    Plan,
    Restore,
}

/// <summary>How an operation ended, as the notifications tell it.</summary>
public sealed record NotificationOutcome
{
    public bool Succeeded { get; init; }
    /// <summary>The database the operation was about; replaces the scope's database when set.</summary>
    public string? Database { get; init; }
    /// <summary>The PascalCase error id of a failure (docs/errors.md).</summary>
    public string? ErrorId { get; init; }
    /// <summary>The error text of a failure, or a one-line summary of a success; masked (<see cref="Util.SecretText"/>).</summary>
    public string? Message { get => _message; init => _message = Util.SecretText.MaskOrNull(value); }

    private readonly string? _message;

    public static NotificationOutcome Success(string? database = null, string? summary = null) =>
        new() { Succeeded = true, Database = database, Message = summary };

    public static NotificationOutcome Failure(string? database, string errorId, string message) =>
        new() { Succeeded = false, Database = database, ErrorId = errorId, Message = message };

    /// <summary>A failed check list (a verification or drill that ran but did not pass): the first failed check names what failed.</summary>
    public static NotificationOutcome FailedChecks(string? database, string errorId, string summary, IEnumerable<CheckResult> checks)
    {
        var failed = checks.Where(c => !c.Passed).ToList();
        var text = new StringBuilder(summary);
        foreach (var c in failed.Take(5)) text.Append('\n').Append("- ").Append(c.Name).Append(": ").Append(c.Detail);
        if (failed.Count > 5) text.Append('\n').Append($"- ... and {failed.Count - 5} more failed check(s)");
        return Failure(database, errorId, text.ToString());
    }

    /// <summary>The outcome of an exception that ended the operation. Unknown exceptions are named by type.</summary>
    public static NotificationOutcome FromException(Exception ex, string? database) => ex is BackupToolsException bt
        ? Failure(database, bt.ErrorId, bt.Message)
        : Failure(database, ErrorIds.UnexpectedError, $"{ex.GetType().Name}: {ex.Message}");
}

/// <summary>One finished run as the notification bodies describe it.</summary>
internal sealed record NotificationReport(
    NotificationOperation Operation, string? Database, string Host, DateTimeOffset StartedAt, TimeSpan Duration, string RunId, NotificationOutcome Outcome)
{
    public string OperationName => Operation.ToString().ToLowerInvariant();
    public string DatabaseText => string.IsNullOrEmpty(Database) ? "(unknown database)" : Database;
    public string DurationText => FormatDuration(Duration);

    public static string FormatDuration(TimeSpan d) => d.TotalSeconds < 60
        ? d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"
        : d.ToString(d.TotalHours >= 24 ? @"d\.hh\:mm\:ss" : @"hh\:mm\:ss", CultureInfo.InvariantCulture);

    /// <summary>One line: "BackupTools backup of 'db' FAILED on host after 1.2 s: ErrorId".</summary>
    public string Headline => Outcome.Succeeded
        ? $"BackupTools {OperationName} of '{DatabaseText}' succeeded on {Host} in {DurationText}"
        : $"BackupTools {OperationName} of '{DatabaseText}' FAILED on {Host} after {DurationText}: {Outcome.ErrorId}";

    /// <summary>The body of a healthchecks success or /fail ping (healthchecks shows it in the check's log).</summary>
    public string PingBody()
    {
        var sb = new StringBuilder().Append(Headline).Append('\n');
        sb.Append("operation: ").Append(OperationName).Append('\n');
        sb.Append("database: ").Append(DatabaseText).Append('\n');
        sb.Append("host: ").Append(Host).Append('\n');
        sb.Append("started: ").Append(StartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("duration: ").Append(DurationText).Append('\n');
        if (!Outcome.Succeeded) sb.Append("error id: ").Append(Outcome.ErrorId).Append('\n');
        if (!string.IsNullOrEmpty(Outcome.Message)) sb.Append('\n').Append(Outcome.Message).Append('\n');
        return Truncate(sb.ToString(), 10_000);
    }

    /// <summary>A Slack incoming-webhook payload: <c>text</c> (also what Mattermost and other Slack-compatible receivers show, and the
    /// notification preview) plus Block Kit blocks with the details.</summary>
    public string SlackPayload()
    {
        var emoji = Outcome.Succeeded ? ":white_check_mark:" : ":x:";
        var title = $"{Capitalize(OperationName)} {(Outcome.Succeeded ? "succeeded" : "FAILED")}: {DatabaseText}";
        var text = Outcome.Succeeded
            ? $"{emoji} {Headline}" + (string.IsNullOrEmpty(Outcome.Message) ? "" : " - " + Outcome.Message)
            : $"{emoji} {Headline} - {FirstLine(Outcome.Message)}";

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("text", Escape(Truncate(text, 2900)));
            w.WriteStartArray("blocks");

            w.WriteStartObject();
            w.WriteString("type", "header");
            w.WriteStartObject("text");
            w.WriteString("type", "plain_text");
            w.WriteString("text", Truncate($"{emoji} {title}", 150));
            w.WriteBoolean("emoji", true);
            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteStartObject();
            w.WriteString("type", "section");
            w.WriteStartArray("fields");
            Field(w, "Database", DatabaseText);
            Field(w, "Operation", OperationName);
            Field(w, "Host", Host);
            Field(w, "Duration", DurationText);
            Field(w, "Result", Outcome.Succeeded ? "succeeded" : "failed");
            if (!Outcome.Succeeded) Field(w, "Error id", Outcome.ErrorId ?? ErrorIds.UnexpectedError, code: true);
            w.WriteEndArray();
            w.WriteEndObject();

            if (!string.IsNullOrEmpty(Outcome.Message))
            {
                w.WriteStartObject();
                w.WriteString("type", "section");
                w.WriteStartObject("text");
                w.WriteString("type", "mrkdwn");
                w.WriteString("text", Outcome.Succeeded ? Escape(Truncate(Outcome.Message, 2900)) : "```" + Escape(Truncate(Outcome.Message, 2900)) + "```");
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteStartObject();
            w.WriteString("type", "context");
            w.WriteStartArray("elements");
            w.WriteStartObject();
            w.WriteString("type", "mrkdwn");
            w.WriteString("text", Escape($"BackupTools {Operations.BackupOperation.BackupToolsVersion} | started {StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC | run {RunId}"));
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();

            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Field(Utf8JsonWriter w, string name, string value, bool code = false)
    {
        w.WriteStartObject();
        w.WriteString("type", "mrkdwn");
        var shown = Escape(Truncate(value, 1900));
        w.WriteString("text", $"*{name}*\n{(code ? "`" + shown + "`" : shown)}");
        w.WriteEndObject();
    }

    /// <summary>Slack mrkdwn control characters (&amp;, &lt;, &gt;) must be escaped.</summary>
    internal static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string FirstLine(string? s) => string.IsNullOrEmpty(s) ? "" : s.Split('\n', 2)[0];

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 3)] + "...";

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
