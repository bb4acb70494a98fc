namespace BackupTools.Engines.MongoDb;

/// <summary>
/// CRC-64 with the ECMA-182 polynomial in its reflected form, initial and final value all ones: Go's
/// crc64.MakeTable(crc64.ECMA), which mongodump uses for the CRC of each namespace in an archive.
/// </summary>
internal sealed class Crc64Ecma
{
    private static readonly ulong[] Table = BuildTable();
    private ulong _crc = ulong.MaxValue;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        var crc = _crc;
        foreach (var b in bytes)
            crc = Table[(byte)(crc ^ b)] ^ (crc >> 8);
        _crc = crc;
    }

    /// <summary>As mongodump stores it: the unsigned CRC reinterpreted as a BSON int64.</summary>
    public long Value => unchecked((long)~_crc);

    private static ulong[] BuildTable()
    {
        const ulong reflected = 0xC96C5795D7870F42;
        var table = new ulong[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ulong)i;
            for (var bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ reflected : crc >> 1;
            table[i] = crc;
        }
        return table;
    }
}
