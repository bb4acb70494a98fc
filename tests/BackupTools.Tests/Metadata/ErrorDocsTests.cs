using System.Reflection;
using System.Text.RegularExpressions;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Metadata;

/// <summary>docs/errors.md and ErrorIds.cs name the same ids: an id users can meet is documented, and the doc invents none.</summary>
public class ErrorDocsTests
{
    /// <summary>Ids defined by a host rather than the engine.</summary>
    private static readonly string[] HostIds = { "CommandLineInvalid" };

    private static string Doc => File.ReadAllText(Path.Combine(Datasets.RepoRoot, "docs", "errors.md"));

    private static IEnumerable<string> EngineIds => typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!);

    [Fact]
    public void Every_error_id_has_a_row_in_docs_errors_md()
    {
        var doc = Doc;
        Assert.Empty(EngineIds.Where(id => !doc.Contains($"| `{id}` |", StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_row_of_docs_errors_md_is_an_error_id()
    {
        var known = EngineIds.Concat(HostIds).ToHashSet(StringComparer.Ordinal);
        var documented = Regex.Matches(Doc, @"^\| `([A-Za-z]+)` \|", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Distinct();
        Assert.Empty(documented.Where(id => !known.Contains(id)));
    }
}
