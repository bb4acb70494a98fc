namespace BackupTools;

/// <summary>What kind of copy a backup is. Engines accept the types that make sense for them.</summary>
public enum BackupType
{
    /// <summary>A logical dump of one database (pg_dump, SQLite online copy): the default for databases.</summary>
    Logical,
    /// <summary>A physical base backup of a whole PostgreSQL cluster, restored to a moment with the WAL archive.</summary>
    Base,
    /// <summary>A standalone copy of a set of files: the default for folders.</summary>
    Full,
    /// <summary>Only the files added or changed since the previous backup of the set, plus the deletions.</summary>
    Incremental,
}
