using System.Management.Automation;
using BackupTools.Engines;

namespace BackupTools.Commands.Infrastructure;

/// <summary>Turns the database parameters of a cmdlet into engine options; the password leaves the PSCredential only here.</summary>
internal static class EngineOptionsFactory
{
    public static EngineOptions From(PSCredential? credential, string? pgBinPath) => new()
    {
        User = credential is null || credential == PSCredential.Empty ? null : credential.UserName,
        Password = credential is null || credential == PSCredential.Empty ? null : credential.GetNetworkCredential().Password,
        ClientBinPath = pgBinPath,
    };
}
