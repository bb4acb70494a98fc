namespace BackupTools.Engines.MongoDb;

/// <summary>Which collections and views a backup takes: all, or those named (wildcards * and ?), minus those excluded.</summary>
internal sealed class MongoCollectionFilter(IReadOnlyList<string> include, IReadOnlyList<string> exclude)
{
    public static MongoCollectionFilter From(EngineOptions options) =>
        new(options.Collections ?? Array.Empty<string>(), options.ExcludeCollections ?? Array.Empty<string>());

    public bool Includes(string name) =>
        (include.Count == 0 || include.Any(p => Matches(p, name))) && !exclude.Any(p => Matches(p, name));

    public string Describe() =>
        include.Count == 0 && exclude.Count == 0 ? "all" :
        (include.Count > 0 ? "collections " + string.Join(",", include) : "all") + (exclude.Count > 0 ? "; excluded " + string.Join(",", exclude) : "");

    private static bool Matches(string pattern, string name) =>
        System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(pattern, name, ignoreCase: false);
}
