using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace BackupTools.Stores.S3;

/// <summary>Turns SDK exceptions into BackupTools errors with specific ids. Messages never carry credentials.</summary>
internal static class S3Errors
{
    public static bool IsNotFound(AmazonS3Exception ex) =>
        ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is not "NoSuchBucket";

    /// <summary>True for failures worth another attempt: 5xx, throttling, timeouts, dropped connections.</summary>
    public static bool IsTransient(Exception ex, CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return false;
        return ex switch
        {
            AmazonServiceException s when (int)s.StatusCode >= 500 || s.StatusCode == (HttpStatusCode)429 || s.ErrorCode is "SlowDown" or "RequestTimeout" => true,
            AmazonServiceException s when s.StatusCode == 0 && s.InnerException is not null => IsTransient(s.InnerException, ct),
            HttpRequestException or IOException or SocketException or TimeoutException => true,
            TaskCanceledException or OperationCanceledException => true, // an HTTP timeout (ct itself is not cancelled)
            AmazonClientException c when c.InnerException is not null => IsTransient(c.InnerException, ct),
            _ => false,
        };
    }

    /// <summary>A request whose attempts each went <paramref name="limit"/> without an answer (or without data moving).</summary>
    public static BackupToolsException TimedOut(string doing, string target, string? endpoint, TimeSpan limit, int attempts, Exception inner)
    {
        var where = endpoint is null ? "AWS S3" : $"endpoint '{endpoint}'";
        return new BackupToolsException(ErrorIds.S3RequestTimedOut, ErrorKind.OperationTimeout,
            $"{where} did not answer within {Util.TimeSpanText.Short(limit)} while {doing} ({attempts} attempt{(attempts == 1 ? "" : "s")}). " +
            "The server accepts connections but does not respond: check that it is an S3 server and is healthy, the network and any " +
            "proxy; on a slow link raise -S3Timeout.", target, inner);
    }

    /// <summary>The error for a failed request. <paramref name="doing"/> says what was attempted ("listing s3://b/p").</summary>
    public static BackupToolsException Map(Exception ex, string doing, string target, string? bucket, string? endpoint)
    {
        if (ex is BackupToolsException bte) return bte;
        var where = endpoint is null ? "AWS S3" : $"endpoint '{endpoint}'";
        if (ex is AmazonS3Exception s3)
        {
            if (s3.ErrorCode == "NoSuchBucket")
                return new BackupToolsException(ErrorIds.S3BucketNotFound, ErrorKind.ObjectNotFound,
                    $"Bucket '{bucket}' does not exist at {where} ({doing}). Create it first (aws s3 mb s3://{bucket}), or check the " +
                    "bucket name, -S3Endpoint and -S3Region.", target, ex);
            if (s3.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized
                || s3.ErrorCode is "AccessDenied" or "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "InvalidToken" or "ExpiredToken")
                return new BackupToolsException(ErrorIds.S3AccessDenied, ErrorKind.PermissionDenied,
                    $"{where} refused access while {doing}: {s3.ErrorCode ?? s3.StatusCode.ToString()}. Check the credentials " +
                    "(-S3Credential, -S3Profile, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and that they may list, read, write " +
                    "and delete objects in the bucket (and use the KMS key with -S3ServerSideEncryption aws:kms).", target, ex);
        }
        if (IsUnreachable(ex))
            return new BackupToolsException(ErrorIds.S3EndpointUnreachable, ErrorKind.ResourceUnavailable,
                $"Cannot reach {where} while {doing}: {Innermost(ex).Message}. Check -S3Endpoint (scheme, host, port), the network " +
                "and any proxy, then run again.", target, ex);
        if (ex is AmazonClientException ace && ace.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase))
            return new BackupToolsException(ErrorIds.S3CredentialsMissing, ErrorKind.InvalidArgument,
                $"No S3 credentials were found while {doing}: {ace.Message} Pass -S3Credential or -S3Profile, or set " +
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (CLI: environment or --s3-profile).", target, ex);
        var code = ex is AmazonServiceException se ? $"{(int)se.StatusCode} {se.ErrorCode}" : ex.GetType().Name;
        return new BackupToolsException(ErrorIds.S3RequestFailed, ErrorKind.ReadError,
            $"S3 request failed at {where} while {doing}: {code}: {ex.Message}", target, ex);
    }

    private static bool IsUnreachable(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is SocketException or HttpRequestException) return true;
        }
        return false;
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex;
    }
}
