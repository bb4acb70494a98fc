using System.Text.RegularExpressions;

namespace BackupTools.Util;

/// <summary>Database names become folder names in a destination, so they are restricted to a safe set.</summary>
public static partial class DatabaseName
{
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string name) => Pattern().IsMatch(name) && !name.EndsWith('.');

    public static void Validate(string name)
    {
        if (!IsValid(name))
            throw new BackupToolsException(ErrorIds.DatabaseNameInvalid, ErrorKind.InvalidArgument,
                $"'{name}' cannot be used as a database name: use 1-128 letters, digits, '_', '-' or '.', starting with a " +
                "letter or digit. Pass -DatabaseName to choose one.", name);
    }

    /// <summary>A valid name derived from a file name: unsafe characters become '_'. A secret in it (a value such as
    /// psw=... taken for a path) is masked first: the name is shown everywhere, and once '=' became '_' no rule could find it.</summary>
    public static string FromFileName(string fileName)
    {
        var stem = Path.GetFileNameWithoutExtension(SecretText.Mask(fileName));
        var chars = stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_').ToArray();
        var name = new string(chars).Trim('.', '_', '-');
        return name.Length == 0 ? "database" : name.Length > 128 ? name[..128] : name;
    }
}
