using BackupTools.Operations;

namespace BackupTools.Tests.Engine;

/// <summary>-AssertionFile: YAML parsing (errors with line and column) and comparisons.</summary>
public class DrillAssertionTests
{
    [Fact]
    public void A_list_with_values_and_comparisons_parses()
    {
        var list = DrillAssertions.Parse("""
            - name: customers
              sql: select count(*) from customer
              expect: 599
            - name: recent orders
              sql: |
                select count(*) from orders
                where created_at > now() - interval '1 day'
              expect: ">= 1"
            - name: no nulls
              sql: select count(*) from t where x is null
              expect: "!= 3"
            - name: max
              sql: select max(x) from t
              expect: "<= 10.5"
            """, "a.yaml");
        Assert.Equal(4, list.Count);
        Assert.Equal(("customers", AssertionOperator.Equal, "599", 1), (list[0].Name, list[0].Operator, list[0].Expected, list[0].Line));
        Assert.Equal(AssertionOperator.GreaterOrEqual, list[1].Operator);
        Assert.Contains("interval '1 day'", list[1].Sql);
        Assert.Equal(4, list[1].Line);
        Assert.Equal(AssertionOperator.NotEqual, list[2].Operator);
        Assert.Equal((AssertionOperator.LessOrEqual, "10.5"), (list[3].Operator, list[3].Expected));

        var wrapped = DrillAssertions.Parse("assertions:\n  - name: a\n    sql: select 1\n    expect: 1\n", "b.yaml");
        Assert.Single(wrapped);
    }

    [Theory]
    [InlineData("- name: a\n  sql: select 1\n  expect: a: b\n", 3, "not valid YAML")]
    [InlineData("- name: a\n  sql: select 1\n  expct: 1\n", 3, "unknown key 'expct'")]
    [InlineData("- name: a\n  sql: select 1\n", 1, "has no 'expect'")]
    [InlineData("- name: a\n  expect: 1\n", 1, "has no 'sql'")]
    [InlineData("- name: a\n  sql: select 1\n  expect: \">=\"\n", 3, "operator but no value")]
    [InlineData("name: a\nsql: select 1\n", 1, "must be a list")]
    [InlineData("- just a string\n", 1, "must be a mapping")]
    [InlineData("- name: a\n  sql: select 1\n  expect: 1\n- name: a\n  sql: select 2\n  expect: 2\n", 4, "two assertions are named 'a'")]
    [InlineData("- name: a\n  sql: [select 1]\n  expect: 1\n", 2, "single value")]
    public void Bad_files_fail_with_the_line_and_column(string yaml, int line, string what)
    {
        var ex = Assert.Throws<BackupToolsException>(() => DrillAssertions.Parse(yaml, "bad.yaml"));
        Assert.Equal(ErrorIds.DrillAssertionFileInvalid, ex.ErrorId);
        Assert.Contains($"(line {line}, column ", ex.Message);
        Assert.Contains(what, ex.Message);
        Assert.Contains("bad.yaml", ex.Message);
    }

    [Fact]
    public void Empty_and_missing_files_are_refused()
    {
        Assert.Equal(ErrorIds.DrillAssertionFileInvalid, Assert.Throws<BackupToolsException>(() => DrillAssertions.Parse("", "e.yaml")).ErrorId);
        Assert.Equal(ErrorIds.DrillAssertionFileInvalid, Assert.Throws<BackupToolsException>(() => DrillAssertions.Parse("[]", "e.yaml")).ErrorId);
        var missing = Assert.Throws<BackupToolsException>(() => DrillAssertions.Load(Path.Combine(Path.GetTempPath(), "bt-no-such-" + Guid.NewGuid().ToString("N"), "a.yaml")));
        Assert.Equal(ErrorIds.DrillAssertionFileInvalid, missing.ErrorId);
    }

    [Theory]
    [InlineData("5", "= 5", true)]
    [InlineData("5", "5.0", true)]
    [InlineData("5", "!= 5", false)]
    [InlineData("10", "> 9", true)]
    [InlineData("10", "> 10", false)]
    [InlineData("10", ">= 10", true)]
    [InlineData("2", "< 10", true)] // numbers compare as numbers, not text ("2" > "10" as text)
    [InlineData("9.5", "<= 9.4", false)]
    [InlineData("abc", "abc", true)]
    [InlineData("2026-11-20", "> 2026-01-01", true)]
    [InlineData("true", "true", true)]
    [InlineData("false", "= true", false)]
    [InlineData(null, "null", true)]
    [InlineData(null, "!= null", false)]
    [InlineData(null, ">= 1", false)]
    [InlineData("0", "null", false)]
    public void Comparisons(string? actual, string expect, bool expected)
    {
        var (op, value) = DrillAssertions.ParseExpectation(expect);
        Assert.Equal(expected, DrillAssertions.Evaluate(new DrillAssertion("x", "select 1", op, value, 1), actual));
    }

    [Fact]
    public void Values_are_formatted_invariantly()
    {
        Assert.Null(DrillAssertions.FormatValue(DBNull.Value));
        Assert.Equal("true", DrillAssertions.FormatValue(true));
        Assert.Equal("1.5", DrillAssertions.FormatValue(1.5m));
        Assert.Equal("2026-11-21T08:00:00", DrillAssertions.FormatValue(new DateTime(2026, 11, 21, 8, 0, 0)));
        Assert.Equal("0aff", DrillAssertions.FormatValue(new byte[] { 0x0a, 0xff }));
    }
}
