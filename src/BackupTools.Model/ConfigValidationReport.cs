namespace BackupTools.Configuration;

public enum ConfigProblemSeverity
{
    Error,
    Warning,
}

/// <summary>
/// One problem of a configuration file, at a line and column (1-based; 0 when the problem is not at one place, e.g.
/// an unreadable file). <see cref="Key"/> is the YAML path of the value (<c>databases.app.retention</c>). Messages
/// name secret references, never their values.
/// </summary>
public sealed record ConfigProblem
{
    public required ConfigProblemSeverity Severity { get; init; }
    /// <summary>The configuration file.</summary>
    public required string FilePath { get; init; }
    public int Line { get; init; }
    public int Column { get; init; }
    /// <summary>YAML path of the key or value, e.g. <c>databases.app.retention</c>; "" for the whole file.</summary>
    public string Key { get; init; } = "";
    /// <summary>ConfigFileInvalid for the file's content; ConfigSecret* for secret references; the engine's or store's id for -Online checks.</summary>
    public required string ErrorId { get; init; }
    public required string Message { get; init; }

    /// <summary>file:line:column, the target of the host's error record.</summary>
    public string Location => Line > 0 ? $"{FilePath}:{Line}:{Column}" : FilePath;

    /// <summary>The compiler-style line: <c>path:line:column: error: message [Id]</c>.</summary>
    public override string ToString() =>
        $"{Location}: {(Severity == ConfigProblemSeverity.Error ? "error" : "warning")}: {Message} [{ErrorId}]";
}

/// <summary>The result of Test-BackupConfig / <c>backuptools config test</c>.</summary>
public sealed class ConfigValidationReport
{
    public required string Path { get; init; }
    /// <summary>True when no problem is an error (warnings allowed).</summary>
    public bool IsValid => !Problems.Any(p => p.Severity == ConfigProblemSeverity.Error);
    /// <summary>In file order (line, column), errors and warnings.</summary>
    public required IReadOnlyList<ConfigProblem> Problems { get; init; }
    public int ErrorCount => Problems.Count(p => p.Severity == ConfigProblemSeverity.Error);
    public int WarningCount => Problems.Count(p => p.Severity == ConfigProblemSeverity.Warning);
    /// <summary>Database names in file order.</summary>
    public IReadOnlyList<string> Databases { get; init; } = Array.Empty<string>();
    /// <summary>Destination names in file order.</summary>
    public IReadOnlyList<string> Destinations { get; init; } = Array.Empty<string>();
    /// <summary>Whether -Online checks ran.</summary>
    public bool Online { get; init; }
    /// <summary>
    /// The loaded configuration (the engine's BackupConfig: databases, destinations and their resolved paths) when the
    /// file has no error in its content; null otherwise. Typed object because the engine's types stay in the module's
    /// private load context; scripts read its properties as usual. Not in --json output.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public object? Config { get; init; }

    public override string ToString() =>
        $"{Path}: {(IsValid ? "valid" : "invalid")}, {ErrorCount} error(s), {WarningCount} warning(s)";
}
