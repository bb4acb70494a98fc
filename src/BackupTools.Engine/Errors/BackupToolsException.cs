namespace BackupTools;

/// <summary>
/// A failure the user can act on: a stable PascalCase error id (noun + failure), a class, the item that failed,
/// and a message that says what was wrong and what to do. Messages never carry secrets: the message and a string
/// target pass through <see cref="Util.SecretText.Mask"/>, whichever code built them.
/// </summary>
public sealed class BackupToolsException : Exception
{
    public BackupToolsException(string errorId, ErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(Util.SecretText.Mask(message), inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = Util.SecretText.MaskTarget(target);
    }

    public string ErrorId { get; }
    public ErrorKind Kind { get; }
    public object? Target { get; }

    /// <summary>True when the failure is a failed integrity check of a backup (CLI exit 1), not a usage or setup error.</summary>
    public bool IsCheckFailure => Kind == ErrorKind.InvalidData;
}
