namespace BackupTools.Util;

/// <summary>
/// The time limit of one attempt of one network request: the one rule S3 requests and notifications share. The limit
/// counts from the start of the attempt and again from every <see cref="Extend"/> (data moved), so it bounds silence,
/// not the length of a transfer that keeps moving: a server that accepts the connection and never answers fails after
/// <see cref="Limit"/>, a slow but moving upload never does. The caller's token cancels it at once; <see cref="Expired"/>
/// tells the limit's end from the caller's.
/// </summary>
internal sealed class RequestDeadline : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly CancellationToken _caller;

    public RequestDeadline(TimeSpan limit, CancellationToken caller)
    {
        Limit = limit;
        _caller = caller;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(caller);
        _cts.CancelAfter(limit);
    }

    public TimeSpan Limit { get; }

    /// <summary>Cancelled when the limit passes without progress, or when the caller cancels.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>True when the limit ended the attempt (not the caller).</summary>
    public bool Expired => _cts.IsCancellationRequested && !_caller.IsCancellationRequested;

    /// <summary>Data moved: the limit counts again from now.</summary>
    public void Extend()
    {
        try
        {
            if (!_cts.IsCancellationRequested) _cts.CancelAfter(Limit);
        }
        catch (ObjectDisposedException)
        {
            // The attempt is over; a late read of its body changes nothing.
        }
    }

    public void Dispose() => _cts.Dispose();
}
