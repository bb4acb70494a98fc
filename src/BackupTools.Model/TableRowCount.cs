namespace BackupTools;

/// <summary>Row count of one table, as recorded in a manifest or measured on a restored copy.</summary>
public sealed record TableRowCount(string Table, long Rows)
{
    public override string ToString() => $"{Table}={Rows}";
}
