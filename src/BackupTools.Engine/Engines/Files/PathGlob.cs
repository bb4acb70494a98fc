using System.Text;
using System.Text.RegularExpressions;

namespace BackupTools.Engines.Files;

/// <summary>
/// -Include/-Exclude patterns over archive paths ('/'-separated, relative to the set): '*' and '?' stay within one
/// folder level, '**' spans levels. A pattern without '/' matches a name at any depth (like .gitignore); a match on a
/// folder covers everything below it.
/// </summary>
internal sealed class PathGlob
{
    private readonly Regex _regex;
    private readonly bool _nameOnly;

    public string Pattern { get; }

    public PathGlob(string pattern)
    {
        Pattern = pattern;
        var p = pattern.Replace('\\', '/').Trim();
        if (p.StartsWith("./", StringComparison.Ordinal)) p = p[2..];
        p = p.TrimEnd('/');
        _nameOnly = !p.Contains('/');
        _regex = new Regex("^" + ToRegex(p) + "$", RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    /// <summary>True when the path or one of its parent folders matches.</summary>
    public bool MatchesOrIsUnder(string path)
    {
        var segments = path.Split('/');
        for (var i = 1; i <= segments.Length; i++)
        {
            if (Matches(segments, i)) return true;
        }
        return false;
    }

    /// <summary>True when the path itself matches.</summary>
    public bool Matches(string path)
    {
        var segments = path.Split('/');
        return Matches(segments, segments.Length);
    }

    private bool Matches(string[] segments, int count) =>
        _nameOnly ? _regex.IsMatch(segments[count - 1]) : _regex.IsMatch(string.Join('/', segments, 0, count));

    private static string ToRegex(string glob)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                // "**/" also matches no folder at all
                if (i + 2 < glob.Length && glob[i + 2] == '/') { sb.Append("(?:.*/)?"); i += 2; }
                else { sb.Append(".*"); i++; }
            }
            else if (c == '*') sb.Append("[^/]*");
            else if (c == '?') sb.Append("[^/]");
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return sb.ToString();
    }
}

/// <summary>The include and exclude patterns of one call: no include means everything.</summary>
internal sealed class PathFilter
{
    private readonly PathGlob[] _include;
    private readonly PathGlob[] _exclude;

    public PathFilter(IReadOnlyList<string>? include, IReadOnlyList<string>? exclude)
    {
        _include = (include ?? Array.Empty<string>()).Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => new PathGlob(p)).ToArray();
        _exclude = (exclude ?? Array.Empty<string>()).Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => new PathGlob(p)).ToArray();
    }

    public bool IsEverything => _include.Length == 0 && _exclude.Length == 0;

    /// <summary>Excluded paths (and everything below them) are neither stored nor walked into.</summary>
    public bool IsExcluded(string path) => _exclude.Any(g => g.MatchesOrIsUnder(path));

    /// <summary>Included: no include patterns, or the path or a folder above it matches one.</summary>
    public bool IsIncluded(string path) => !IsExcluded(path) && (_include.Length == 0 || _include.Any(g => g.MatchesOrIsUnder(path)));

    public bool HasIncludes => _include.Length > 0;

    public string Describe() =>
        (_include.Length > 0 ? "include " + string.Join(", ", _include.Select(g => g.Pattern)) : "everything") +
        (_exclude.Length > 0 ? "; exclude " + string.Join(", ", _exclude.Select(g => g.Pattern)) : "");
}
