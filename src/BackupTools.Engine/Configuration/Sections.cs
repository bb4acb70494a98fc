namespace BackupTools.Configuration;

/// <summary>Recovery objectives: a drill slower than Rto or a newest backup older than Rpo fails them.</summary>
public sealed class ObjectivesConfig
{
    public required string Name { get; init; }
    public TimeSpan? Rto { get; init; }
    public TimeSpan? Rpo { get; init; }
    public ConfigPosition Position { get; init; }
}

/// <summary>How a database is drilled (Invoke-DrDrill -Profile).</summary>
public sealed class DrillConfig
{
    public required string Name { get; init; }
    /// <summary>Where the drill restores (a SQLite path or a PostgreSQL server/database); default: a private scratch target.</summary>
    public string? ScratchTarget { get; init; }
    /// <summary>YAML file of named SQL assertions (absolute; relative paths are taken from the config file's folder).</summary>
    public string? AssertionFile { get; init; }
    public DrillSelection? Select { get; init; }
    public TimeSpan? RpoWindow { get; init; }
    public bool? KeepScratch { get; init; }
    /// <summary>Folder or file for the drill's JSON/Markdown report.</summary>
    public string? ReportPath { get; init; }
    public ConfigPosition Position { get; init; }
}

/// <summary>OpenPGP settings of a database: backups encrypt to Recipients and/or the passphrase; reads use PrivateKeys.</summary>
public sealed class EncryptionConfig
{
    /// <summary>Public key files (absolute after loading).</summary>
    public IReadOnlyList<string> Recipients { get; init; } = Array.Empty<string>();
    public SecretReference? Passphrase { get; init; }
    /// <summary>Secret key files for verify/restore/drill (absolute after loading).</summary>
    public IReadOnlyList<string> PrivateKeys { get; init; } = Array.Empty<string>();
    public SecretReference? PrivateKeyPassphrase { get; init; }
    public ConfigPosition Position { get; init; }
}

/// <summary>A named notification channel (issue 9): healthchecks-style ping and/or Slack-compatible webhook.</summary>
public sealed class NotificationConfig
{
    public required string Name { get; init; }
    /// <summary>The ping URL holds a token: always a reference.</summary>
    public SecretReference? HealthchecksUrl { get; init; }
    /// <summary>The webhook URL holds a token: always a reference.</summary>
    public SecretReference? SlackWebhookUrl { get; init; }
    /// <summary>A mail through an SMTP server (sent when the webhook would be).</summary>
    public EmailConfig? Email { get; init; }
    public TimeSpan? Timeout { get; init; }
    public int? Retries { get; init; }
    /// <summary>"always" or "failure" (when the webhook is sent; pings always report start/success/fail).</summary>
    public string? On { get; init; }
    public ConfigPosition Position { get; init; }
}

/// <summary>The <c>email:</c> of a notification channel: the SMTP server, its security, the login (password by reference) and the addresses.</summary>
public sealed class EmailConfig
{
    /// <summary>HOST or HOST:PORT.</summary>
    public required string Server { get; init; }
    public int? Port { get; init; }
    /// <summary>none, starttls or tls.</summary>
    public string? Tls { get; init; }
    public string? User { get; init; }
    /// <summary>The SMTP password: always a reference.</summary>
    public SecretReference? Password { get; init; }
    public required string From { get; init; }
    public IReadOnlyList<string> To { get; init; } = Array.Empty<string>();
    /// <summary>PEM CA file (absolute after loading).</summary>
    public string? CaFile { get; init; }
    public ConfigPosition Position { get; init; }
}

/// <summary>Thresholds of Get-BackupHealth (issue 9).</summary>
public sealed class HealthConfig
{
    public static readonly HealthConfig Default = new();
    /// <summary>The critical age (health.criticalAge, or health.maxAge).</summary>
    public TimeSpan? MaxAge { get; init; }
    /// <summary>health.warningAge: older than this is a Warning.</summary>
    public TimeSpan? WarningAge { get; init; }
    /// <summary>Flag a newest backup whose size differs from the median of the previous ones by more than this ratio (0.5 = 50 %).</summary>
    public double? SizeChangeThreshold { get; init; }
    public double? MinFreeSpacePercent { get; init; }
    public ConfigPosition Position { get; init; }
}

/// <summary>Export-BackupMetric defaults (issue 9).</summary>
public sealed class MetricsConfig
{
    /// <summary>The .prom file for node_exporter's textfile collector (absolute after loading).</summary>
    public string? Path { get; init; }
    public ConfigPosition Position { get; init; }
}

/// <summary>Invoke-BackupPlan / backuptools run defaults.</summary>
public sealed class PlanConfig
{
    public static readonly PlanConfig Default = new();
    /// <summary>Databases processed at once (1 = one after another).</summary>
    public int ThrottleLimit { get; init; } = 1;
    /// <summary>CLI log file (JSON lines or text), absolute after loading.</summary>
    public string? LogFile { get; init; }
    public ConfigPosition Position { get; init; }

    public override string ToString() => $"throttle {ThrottleLimit}";
}
