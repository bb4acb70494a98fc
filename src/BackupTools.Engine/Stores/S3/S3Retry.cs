using BackupTools.Util;

namespace BackupTools.Stores.S3;

/// <summary>
/// Runs one S3 request: each attempt under a <see cref="RequestDeadline"/> of -S3Timeout (the SDK's own retries happen
/// inside it, so they cannot stretch it), exponential backoff on transient failures (5xx, throttling, resets). A request
/// fails with S3RequestTimedOut after <see cref="StoreOptions.MaxTimedOutAttempts"/> timed-out attempts: a silent
/// endpoint costs at most 2 x -S3Timeout plus one backoff per request. The caller's token ends it at once.
/// </summary>
internal static class S3Retry
{
    public static Task<T> RunAsync<T>(S3BackupStore store, Func<CancellationToken, Task<T>> request, string doing, string target, CancellationToken ct) =>
        RunWithDeadlineAsync(store, d => request(d.Token), doing, target, ct);

    /// <summary>As above; <paramref name="request"/> gets the attempt's deadline to extend while its body moves.</summary>
    public static async Task<T> RunWithDeadlineAsync<T>(S3BackupStore store, Func<RequestDeadline, Task<T>> request, string doing, string target, CancellationToken ct)
    {
        var options = store.Options;
        var timedOut = 0;
        for (var attempt = 1; ; attempt++)
        {
            using (var deadline = new RequestDeadline(options.RequestTimeout, ct))
            {
                try
                {
                    return await request(deadline).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not BackupToolsException && deadline.Expired)
                {
                    timedOut++;
                    if (timedOut >= StoreOptions.MaxTimedOutAttempts || attempt >= options.RetryAttempts)
                        throw S3Errors.TimedOut(doing, target, store.Endpoint, options.RequestTimeout, attempt, ex);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex) when (ex is not BackupToolsException && attempt < options.RetryAttempts && S3Errors.IsTransient(ex, ct))
                {
                    // retried below
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    throw S3Errors.Map(ex, doing, target, store.Location.Bucket, store.Endpoint);
                }
            }
            var delay = TimeSpan.FromMilliseconds(options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1) * (0.75 + Random.Shared.NextDouble() / 2));
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
    }

    /// <summary>One read of a response body under its own deadline: a body that stops arriving fails with S3RequestTimedOut.</summary>
    public static async ValueTask<int> ReadAsync(S3BackupStore store, Stream body, Memory<byte> buffer, string doing, string target, CancellationToken ct)
    {
        using var deadline = new RequestDeadline(store.Options.RequestTimeout, ct);
        try
        {
            return await body.ReadAsync(buffer, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not BackupToolsException && deadline.Expired)
        {
            throw S3Errors.TimedOut(doing, target, store.Endpoint, store.Options.RequestTimeout, 1, ex);
        }
    }
}
