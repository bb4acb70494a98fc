namespace BackupTools.Operations;

/// <summary>One line of a backup's copies log: a copy made to another place, or the place this copy came from.</summary>
public sealed record CopyRecord
{
    public const string To = "to";
    public const string From = "from";

    /// <summary><see cref="To"/> beside the original, <see cref="From"/> beside the copy.</summary>
    public string Direction { get; init; } = To;
    /// <summary>The other side's Location.</summary>
    public string Location { get; init; } = "";
    public DateTimeOffset CopiedAt { get; init; }
    public string? Host { get; init; }
}
