using System.Globalization;
using System.Text;
using System.Text.Json;
using BackupTools.Cli.Output;
using BackupTools.Util;

namespace BackupTools.Cli.Logging;

/// <summary>One line of the log (and of JSON stderr): when, how important, which database and step, what happened.</summary>
internal sealed record LogEntry(DateTimeOffset Time, string Level, string Message)
{
    /// <summary>The message, masked: a log line or JSON event never carries a secret, whoever wrote it.</summary>
    public string Message { get; init; } = SecretText.Mask(Message);

    public string? Command { get; init; }
    public string? Database { get; init; }
    public string? Phase { get; init; }
    public string? ErrorId { get; init; }
    /// <summary>An output object (a result line), serialized with the --json property names.</summary>
    public object? Result { get; init; }

    /// <summary>RFC 3339 in UTC with milliseconds: 2026-11-21T02:00:00.123Z.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>{"time":...,"level":...,"command":...,"database":...,"phase":...,"message":...,"errorId":...,"result":{...}}; absent fields left out.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonOutput.Options.Encoder }))
        {
            json.WriteStartObject();
            json.WriteString("time", FormatTime(Time));
            json.WriteString("level", Level);
            if (Command is not null) json.WriteString("command", Command);
            if (Database is not null) json.WriteString("database", Database);
            if (Phase is not null) json.WriteString("phase", Phase);
            json.WriteString("message", Message);
            if (ErrorId is not null) json.WriteString("errorId", ErrorId);
            if (Result is not null)
            {
                json.WritePropertyName("result");
                JsonSerializer.Serialize(json, Result, Result.GetType(), JsonOutput.Options);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>2026-11-21T02:00:00.123Z ERROR    [app] backup: message (PgDatabaseNotFound)</summary>
    public string ToText()
    {
        var sb = new StringBuilder(FormatTime(Time)).Append(' ').Append(Level.ToUpperInvariant().PadRight(8)).Append(' ');
        if (Database is not null) sb.Append('[').Append(Database).Append("] ");
        if (Phase is not null) sb.Append(Phase).Append(": ");
        sb.Append(Message.ReplaceLineEndings(" "));
        if (ErrorId is not null) sb.Append(" (").Append(ErrorId).Append(')');
        return sb.ToString();
    }
}

/// <summary>
/// The --log-file (or plan.logFile of `run`): every observer event, error and output object of the run, one line
/// each, appended; JSON lines with --json, else text lines. Each line starts with (or holds) an RFC 3339 UTC time.
/// A new file is created with mode 0640 (owner read/write, group read: a log-reading group such as adm can
/// collect it, others cannot); an existing file keeps its mode. Lines are written whole, so runs that share a
/// file interleave by line. Thread-safe. Before <see cref="Open"/> every write is a no-op.
/// </summary>
internal sealed class CliLog(bool json) : IDisposable
{
    public const UnixFileMode CreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    private readonly object _gate = new();
    private AppendOnlyFile? _file;

    public bool IsOpen => _file is not null;
    public string? Path { get; private set; }
    public string? Command { get; set; }

    /// <summary>Opens (creating or appending) the log; LogFileUnwritable when that is impossible. <paramref name="origin"/> names where the path came from.</summary>
    public void Open(string path, string origin = "--log-file")
    {
        var full = System.IO.Path.GetFullPath(path);
        try
        {
            if (Directory.Exists(full)) throw new IOException("it is a folder");
            // O_APPEND (not FileMode.Append, which writes at a cached offset): runs sharing the file never overwrite each other's lines.
            var file = AppendOnlyFile.Open(full, CreateMode, noFollow: false);
            lock (_gate)
            {
                _file?.Dispose();
                _file = file;
                Path = full;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            var folder = System.IO.Path.GetDirectoryName(full);
            throw new BackupToolsException(ErrorIds.LogFileUnwritable, ErrorKind.WriteError,
                $"Log file '{full}' cannot be opened for appending ({ex.GetType().Name}: {ex.Message}). " +
                (folder is not null && !Directory.Exists(folder) ? $"Create the folder '{folder}' first" : "Give a path the job's account can write") +
                $", or change {origin}.", full, ex);
        }
    }

    public void Write(LogEntry entry)
    {
        if (_file is null) return;
        var line = (json ? entry with { Command = entry.Command ?? Command } : entry).Format(json) + "\n";
        var bytes = Encoding.UTF8.GetBytes(line);
        lock (_gate)
        {
            if (_file is null) return;
            try
            {
                _file.Write(bytes);
            }
            catch (IOException)
            {
                // A full disk must not fail the backup the log is about; the console still has everything.
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file?.Dispose();
            _file = null;
        }
    }
}

internal static class LogEntryFormat
{
    public static string Format(this LogEntry entry, bool json) => json ? entry.ToJson() : entry.ToText();
}
