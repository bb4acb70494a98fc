namespace BackupTools.Stores.S3;

/// <summary>Retries one S3 request with exponential backoff on transient failures (5xx, throttling, timeouts, resets).</summary>
internal static class S3Retry
{
    public static async Task<T> RunAsync<T>(S3BackupStore store, Func<CancellationToken, Task<T>> request, string doing, string target, CancellationToken ct)
    {
        var options = store.Options;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await request(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not BackupToolsException && attempt < options.RetryAttempts && S3Errors.IsTransient(ex, ct))
            {
                var delay = TimeSpan.FromMilliseconds(options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1) * (0.75 + Random.Shared.NextDouble() / 2));
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                throw S3Errors.Map(ex, doing, target, store.Location.Bucket, store.Endpoint);
            }
        }
    }
}
