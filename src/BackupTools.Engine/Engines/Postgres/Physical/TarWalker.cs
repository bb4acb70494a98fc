using System.Text;

namespace BackupTools.Engines.Postgres.Physical;

/// <summary>One member of a tar archive as <see cref="TarWalker"/> announces it.</summary>
internal sealed record TarMember(string Name, long Size, char Type, int Mode, string? LinkName)
{
    public bool IsFile => Type is '0' or '\0' or '7';
    public bool IsDirectory => Type == '5';
    public bool IsSymlink => Type == '2';
}

/// <summary>
/// A push parser for the ustar archives pg_basebackup writes: bytes go in as they arrive (from a pipe, a
/// decompressor, a network stream), members come out through the callbacks. No seeking, no buffering beyond one
/// 512-byte header, so a terabyte cluster streams through in constant memory. GNU long names ('L') and pax
/// path records ('x') are honoured; the archive's own end blocks end it.
/// </summary>
internal abstract class TarWalker
{
    private const int Block = 512;
    private readonly byte[] _header = new byte[Block];
    private int _headerFill;
    private long _remaining;
    private long _padding;
    private TarMember? _member;
    private MemoryStream? _extended; // a long-name or pax record being read
    private char _extendedType;
    private string? _nextName;

    /// <summary>True once the two zero blocks that end an archive were read.</summary>
    public bool Ended { get; private set; }

    protected abstract void OnMemberStart(TarMember member);
    protected abstract void OnMemberData(ReadOnlySpan<byte> data);
    protected abstract void OnMemberEnd(TarMember member);

    /// <summary>Feeds the next bytes of the archive.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            if (_remaining > 0)
            {
                var take = (int)Math.Min(_remaining, data.Length);
                if (_extended is not null) _extended.Write(data[..take]);
                else OnMemberData(data[..take]);
                _remaining -= take;
                data = data[take..];
                if (_remaining == 0) EndMember();
                continue;
            }
            if (_padding > 0)
            {
                var skip = (int)Math.Min(_padding, data.Length);
                _padding -= skip;
                data = data[skip..];
                continue;
            }
            if (Ended) return; // anything after the end blocks is ignored, as tar does
            var copy = Math.Min(Block - _headerFill, data.Length);
            data[..copy].CopyTo(_header.AsSpan(_headerFill));
            _headerFill += copy;
            data = data[copy..];
            if (_headerFill == Block)
            {
                _headerFill = 0;
                StartMember();
            }
        }
    }

    private void StartMember()
    {
        if (_header.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            Ended = true;
            return;
        }
        if (!TarHeader.ChecksumValid(_header))
            throw new InvalidDataException("a tar header's checksum does not match: the archive is damaged");
        var type = (char)_header[156];
        var size = TarHeader.Size(_header);
        _remaining = size;
        _padding = (Block - size % Block) % Block;
        if (type is 'L' or 'x')
        {
            _extended = new MemoryStream();
            _extendedType = type;
            if (size == 0) EndMember();
            return;
        }
        var name = _nextName ?? TarHeader.Name(_header);
        _nextName = null;
        _member = new TarMember(name, size, type, TarHeader.Mode(_header), type is '1' or '2' ? TarHeader.LinkName(_header) : null);
        OnMemberStart(_member);
        if (size == 0) EndMember();
    }

    private void EndMember()
    {
        if (_extended is not null)
        {
            var text = Encoding.UTF8.GetString(_extended.ToArray());
            _extended = null;
            _nextName = _extendedType == 'L' ? text.TrimEnd('\0') : PaxPath(text) ?? _nextName;
            return;
        }
        var member = _member!;
        _member = null;
        OnMemberEnd(member);
    }

    private static string? PaxPath(string records)
    {
        foreach (var record in records.Split('\n'))
        {
            var space = record.IndexOf(' ');
            if (space < 0) continue;
            var kv = record[(space + 1)..];
            if (kv.StartsWith("path=", StringComparison.Ordinal)) return kv["path=".Length..].TrimEnd('/');
        }
        return null;
    }
}

/// <summary>The ustar header fields this code reads.</summary>
internal static class TarHeader
{
    public static string Name(ReadOnlySpan<byte> header)
    {
        var name = Text(header.Slice(0, 100));
        var prefix = Encoding.ASCII.GetString(header.Slice(257, 5)) == "ustar" ? Text(header.Slice(345, 155)) : "";
        var full = prefix.Length > 0 ? prefix + "/" + name : name;
        return full.TrimEnd('/');
    }

    public static string LinkName(ReadOnlySpan<byte> header) => Text(header.Slice(157, 100));

    public static int Mode(ReadOnlySpan<byte> header) => (int)Number(header.Slice(100, 8));

    public static long Size(ReadOnlySpan<byte> header) => Number(header.Slice(124, 12));

    /// <summary>The header checksum (sum of the bytes with the checksum field as spaces), so noise is never taken for a member.</summary>
    public static bool ChecksumValid(ReadOnlySpan<byte> header)
    {
        long sum = 0;
        for (var i = 0; i < header.Length; i++) sum += i is >= 148 and < 156 ? (byte)' ' : header[i];
        return Number(header.Slice(148, 8)) == sum;
    }

    private static long Number(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            long value = field[0] & 0x7F;
            for (var i = 1; i < field.Length; i++) value = (value << 8) | field[i];
            return value;
        }
        var text = Text(field).Trim(' ', '\0');
        return text.Length == 0 ? 0 : Convert.ToInt64(text, 8);
    }

    private static string Text(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }
}
