using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace BackupTools.Operations;

/// <summary>A comparison an assertion makes between what its query returned and the expected value.</summary>
public enum AssertionOperator
{
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

/// <summary>One user assertion of a drill: a named query whose scalar result is compared with an expected value.</summary>
public sealed record DrillAssertion(string Name, string Sql, AssertionOperator Operator, string Expected, int Line)
{
    public string Expectation => $"{DrillAssertions.Symbol(Operator)} {Expected}";
}

/// <summary>
/// Reads -AssertionFile (YAML) and evaluates assertions. The file is a list (or a mapping with an <c>assertions</c>
/// list) of entries with <c>name</c>, <c>sql</c> and <c>expect</c>: a value (means =) or an operator and a value,
/// e.g. <c>expect: "&gt;= 1"</c> (quote it: a leading &gt; starts a YAML block scalar). Operators: = != &gt; &gt;= &lt; &lt;=.
/// Numbers compare as numbers; anything else as text (ordinal); <c>null</c> matches SQL NULL or no row.
/// </summary>
public static class DrillAssertions
{
    private static readonly (string Text, AssertionOperator Op)[] Operators =
    {
        (">=", AssertionOperator.GreaterOrEqual), ("<=", AssertionOperator.LessOrEqual), ("!=", AssertionOperator.NotEqual),
        ("<>", AssertionOperator.NotEqual), ("==", AssertionOperator.Equal), (">", AssertionOperator.Greater),
        ("<", AssertionOperator.Less), ("=", AssertionOperator.Equal),
    };

    private static readonly HashSet<string> Keys = new(StringComparer.Ordinal) { "name", "sql", "expect" };

    public static string Symbol(AssertionOperator op) => op switch
    {
        AssertionOperator.Equal => "=",
        AssertionOperator.NotEqual => "!=",
        AssertionOperator.Greater => ">",
        AssertionOperator.GreaterOrEqual => ">=",
        AssertionOperator.Less => "<",
        _ => "<=",
    };

    /// <summary>Reads and validates an assertion file; every problem is DrillAssertionFileInvalid with the line and column.</summary>
    public static IReadOnlyList<DrillAssertion> Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(ErrorIds.DrillAssertionFileInvalid, ErrorKind.ObjectNotFound,
                $"Cannot read the assertion file '{path}': {ex.Message}", path, ex);
        }
        return Parse(text, path);
    }

    public static IReadOnlyList<DrillAssertion> Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            var reason = (ex.InnerException?.Message ?? ex.Message).Trim().TrimEnd('.');
            throw Invalid(source, ex.Start, $"it is not valid YAML: {reason}", ex);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            throw Invalid(source, Mark.Empty, "it is empty; write a list of assertions (name, sql, expect)", null);
        var root = stream.Documents[0].RootNode;
        if (root is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode("assertions"), out var inner))
            root = inner;
        if (root is not YamlSequenceNode list)
            throw Invalid(source, root.Start, "the top level must be a list of assertions (or a mapping with an 'assertions' list)", null);

        var result = new List<DrillAssertion>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode entry)
                throw Invalid(source, item.Start, "each assertion must be a mapping with name, sql and expect", null);
            var fields = new Dictionary<string, YamlScalarNode>(StringComparer.Ordinal);
            foreach (var (k, v) in entry.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                if (!Keys.Contains(key))
                    throw Invalid(source, k.Start, $"unknown key '{key}' (allowed: name, sql, expect)", null);
                if (v is not YamlScalarNode scalar)
                    throw Invalid(source, v.Start, $"'{key}' must be a single value, not a list or mapping", null);
                fields[key] = scalar;
            }
            string Required(string key) =>
                fields.TryGetValue(key, out var node) && !string.IsNullOrWhiteSpace(node.Value)
                    ? node.Value!
                    : throw Invalid(source, fields.TryGetValue(key, out var n) ? n.Start : entry.Start, $"the assertion has no '{key}'", null);
            var name = Required("name").Trim();
            var sql = Required("sql").Trim();
            var expectNode = fields.GetValueOrDefault("expect");
            if (expectNode is null)
                throw Invalid(source, entry.Start, $"assertion '{name}' has no 'expect' (a value, or an operator and a value such as \">= 1\")", null);
            var (op, expected) = ParseExpectation(expectNode.Value ?? "null");
            if (expected.Length == 0)
                throw Invalid(source, expectNode.Start, $"assertion '{name}': 'expect' has an operator but no value", null);
            if (!names.Add(name))
                throw Invalid(source, entry.Start, $"two assertions are named '{name}'; names must be unique", null);
            result.Add(new DrillAssertion(name, sql, op, expected, (int)entry.Start.Line));
        }
        if (result.Count == 0)
            throw Invalid(source, list.Start, "the list of assertions is empty", null);
        return result;
    }

    internal static (AssertionOperator Op, string Value) ParseExpectation(string text)
    {
        var t = text.Trim();
        foreach (var (symbol, op) in Operators)
            if (t.StartsWith(symbol, StringComparison.Ordinal))
                return (op, t[symbol.Length..].Trim());
        return (AssertionOperator.Equal, t);
    }

    /// <summary>True when <paramref name="actual"/> (a query result as text, null for NULL/no row) satisfies the assertion.</summary>
    public static bool Evaluate(DrillAssertion assertion, string? actual)
    {
        var expectNull = assertion.Expected.Equals("null", StringComparison.OrdinalIgnoreCase);
        if (actual is null || expectNull)
        {
            var same = actual is null && expectNull;
            return assertion.Operator switch
            {
                AssertionOperator.Equal => same,
                AssertionOperator.NotEqual => !same,
                _ => false,
            };
        }
        int cmp;
        if (decimal.TryParse(actual, NumberStyles.Float, CultureInfo.InvariantCulture, out var a) &&
            decimal.TryParse(assertion.Expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var e))
            cmp = a.CompareTo(e);
        else if (bool.TryParse(actual, out var ab) && bool.TryParse(assertion.Expected, out var eb))
            cmp = ab == eb ? 0 : 1;
        else
            cmp = string.CompareOrdinal(actual, assertion.Expected);
        return assertion.Operator switch
        {
            AssertionOperator.Equal => cmp == 0,
            AssertionOperator.NotEqual => cmp != 0,
            AssertionOperator.Greater => cmp > 0,
            AssertionOperator.GreaterOrEqual => cmp >= 0,
            AssertionOperator.Less => cmp < 0,
            _ => cmp <= 0,
        };
    }

    /// <summary>A query result as invariant text: null for NULL, true/false, ISO 8601 dates, hex bytes.</summary>
    public static string? FormatValue(object? value) => value switch
    {
        null or DBNull => null,
        bool b => b ? "true" : "false",
        DateTime d => d.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToHexString(bytes).ToLowerInvariant(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static BackupToolsException Invalid(string source, Mark mark, string what, Exception? inner)
    {
        var where = mark.Line > 0 ? $" (line {mark.Line}, column {mark.Column})" : "";
        return new BackupToolsException(ErrorIds.DrillAssertionFileInvalid, ErrorKind.InvalidArgument,
            $"Assertion file '{source}'{where}: {what}. Example entry:  - name: customers present / sql: select count(*) from customer / expect: \">= 1\"",
            source, inner);
    }
}
