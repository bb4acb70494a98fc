using System.Management.Automation;
using BackupTools.Util;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Lets TimeSpan parameters take the durations people write: 90s, 15m, 36h, 10d, 2w, or d.hh:mm:ss
/// (the same rules as the CLI, from the engine's TimeSpanText). Non-string input is left to PowerShell.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class TimeSpanTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is not string text) return inputData;
        try
        {
            return TimeSpanText.Parse(text, "this parameter");
        }
        catch (BackupToolsException ex)
        {
            throw new ArgumentTransformationMetadataException(ex.Message, ex);
        }
    }
}
