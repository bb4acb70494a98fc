using BackupTools.Operations;

namespace BackupTools.Tests.TestSupport;

/// <summary>Backups of the real Chinook sample in a temp destination, for tests that damage or restore them.</summary>
public static class SampleBackups
{
    public static async Task<(string Source, string Destination, BackupInfo Backup)> ChinookAsync(TempDir tmp, params string[] tags)
    {
        var source = File.Exists(tmp.Combine("chinook.sqlite")) ? tmp.Combine("chinook.sqlite") : Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var destination = tmp.Combine("backups");
        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = destination, Tags = tags }, NullObserver.Instance, default);
        return (source, destination, info);
    }

    public static string ArtifactPath(BackupInfo info) => Path.Combine(info.Location, info.ArtifactName!);

    /// <summary>Damages one byte of a file in place, as bit rot or a bad copy would.</summary>
    public static void FlipByte(string path, long offset)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        fs.Position = offset;
        var b = fs.ReadByte();
        fs.Position = offset;
        fs.WriteByte((byte)(b ^ 0x5A));
    }

    public static Task<IntegrityResult> VerifyAsync(BackupInfo info, IntegrityLevel level) =>
        IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = level }, NullObserver.Instance, default);
}
