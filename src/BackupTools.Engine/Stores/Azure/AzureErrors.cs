using System.Net.Sockets;
using Azure;

namespace BackupTools.Stores.Azure;

/// <summary>Turns Azure SDK exceptions into BackupTools errors with specific ids. Messages never carry credentials.</summary>
internal static class AzureErrors
{
    public static bool IsBlobNotFound(Exception ex) =>
        Find<RequestFailedException>(ex) is { Status: 404 } r && r.ErrorCode is not "ContainerNotFound";

    public static bool IsConditionFailed(Exception ex) =>
        Find<RequestFailedException>(ex) is { Status: 409 or 412 } r && r.ErrorCode is "ConditionNotMet" or "BlobAlreadyExists";

    /// <summary>The error for a failed request. <paramref name="doing"/> says what was attempted ("listing az://c/p").</summary>
    public static BackupToolsException Map(Exception ex, string doing, string target, string container, string account)
    {
        if (ex is BackupToolsException bte) return bte;
        var where = $"storage account '{account}'";
        if (Find<RequestFailedException>(ex) is { Status: > 0 } r)
        {
            if (r.ErrorCode == "ContainerNotFound")
                return new BackupToolsException(ErrorIds.AzureContainerNotFound, ErrorKind.ObjectNotFound,
                    $"Container '{container}' does not exist in {where} ({doing}). Create it first " +
                    $"(az storage container create --name {container}), or check the destination.", target, ex);
            if (r.Status is 401 or 403 || r.ErrorCode is "AuthenticationFailed" or "AuthorizationFailure" or "AuthorizationPermissionMismatch"
                    or "AuthorizationResourceTypeMismatch" or "InvalidAuthenticationInfo")
                return new BackupToolsException(ErrorIds.AzureAccessDenied, ErrorKind.PermissionDenied,
                    $"{where} refused access while {doing}: {r.ErrorCode ?? r.Status.ToString()}. Check the account key, SAS or " +
                    "connection string (and that a SAS allows read, write, delete and list on the container, and has not expired).", target, ex);
            return new BackupToolsException(ErrorIds.AzureRequestFailed, ErrorKind.ReadError,
                $"Azure Blob request failed at {where} while {doing}: {r.Status} {r.ErrorCode}.", target, ex);
        }
        if (IsUnreachable(ex))
            return new BackupToolsException(ErrorIds.AzureEndpointUnreachable, ErrorKind.ResourceUnavailable,
                $"Cannot reach {where} while {doing}: {Innermost(ex).Message}. Check the blob endpoint (the connection string's " +
                "BlobEndpoint, or the account name), the network and any proxy, then run again.", target, ex);
        return new BackupToolsException(ErrorIds.AzureRequestFailed, ErrorKind.ReadError,
            $"Azure Blob request failed at {where} while {doing}: {ex.GetType().Name}.", target, ex);
    }

    private static bool IsUnreachable(Exception ex)
    {
        foreach (var e in All(ex))
            if (e is SocketException or HttpRequestException or TimeoutException or TaskCanceledException
                || e is RequestFailedException { Status: 0 }) return true;
        return false;
    }

    private static T? Find<T>(Exception ex) where T : Exception => All(ex).OfType<T>().FirstOrDefault();

    /// <summary>The exception and everything inside it (inner exceptions and the attempts of an AggregateException).</summary>
    private static IEnumerable<Exception> All(Exception ex)
    {
        yield return ex;
        if (ex is AggregateException agg)
            foreach (var inner in agg.InnerExceptions)
                foreach (var e in All(inner)) yield return e;
        else if (ex.InnerException is { } i)
            foreach (var e in All(i)) yield return e;
    }

    private static Exception Innermost(Exception ex)
    {
        while (true)
        {
            var next = ex is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[^1] : ex.InnerException;
            if (next is null) return ex;
            ex = next;
        }
    }
}
