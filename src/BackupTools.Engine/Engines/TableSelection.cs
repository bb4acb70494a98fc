namespace BackupTools.Engines;

/// <summary>
/// PostgreSQL logical backups: which tables and schemas pg_dump takes (-Table, -ExcludeTable, -Schema,
/// -ExcludeSchema). The patterns are kept exactly as given and reach pg_dump as they are (pg_dump's own pattern
/// rules: <c>*</c>, <c>?</c>, a dot between schema and name, double quotes for exact names). Every other engine refuses them.
/// </summary>
public sealed record TableSelection
{
    public static readonly TableSelection All = new();

    public IReadOnlyList<string> Tables { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> ExcludeTables { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Schemas { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> ExcludeSchemas { get; init; } = Array.Empty<string>();

    /// <summary>True when nothing was selected: the whole database is backed up.</summary>
    public bool IsAll => Tables.Count == 0 && ExcludeTables.Count == 0 && Schemas.Count == 0 && ExcludeSchemas.Count == 0;
}
