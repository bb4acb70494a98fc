using System.Runtime.CompilerServices;

namespace BackupTools.Tests.TestSupport;

/// <summary>
/// Nothing a test does may send a packet beyond 127.0.0.1. Without credentials the AWS SDK probes the EC2
/// instance-metadata address; turning that off here covers this process and every CLI process it starts, however the
/// tests were launched.
/// </summary>
internal static class NoCloudMetadata
{
    [ModuleInitializer]
    internal static void Disable() => Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
}
