using System.Reflection;
using System.Text.RegularExpressions;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Metadata;

/// <summary>docs/errors.md and ErrorIds.cs name the same ids: each id has its row (category, exit), each row an id.</summary>
public class ErrorDocsTests
{
    // The engine's ids, and the one id only the CLI's parser raises.
    private static readonly string[] Ids = typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Append(BackupTools.Cli.UsageError.CommandLineInvalid).ToArray();

    private static string Doc => File.ReadAllText(Path.Combine(Datasets.RepoRoot, "docs", "errors.md"));

    [Fact]
    public void Every_error_id_has_a_row_in_errors_md()
    {
        var missing = Ids.Where(id => !Doc.Contains($"| `{id}` |", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "no row in docs/errors.md for: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_row_of_errors_md_is_an_error_id()
    {
        var rows = Regex.Matches(Doc, @"^\| `([A-Za-z0-9]+)` \|", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Distinct();
        var unknown = rows.Where(r => !Ids.Contains(r)).ToList();
        Assert.True(unknown.Count == 0, "rows in docs/errors.md that ErrorIds.cs lacks: " + string.Join(", ", unknown));
    }
}
