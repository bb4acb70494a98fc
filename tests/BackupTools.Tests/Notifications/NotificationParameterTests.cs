using System.Reflection;
using BackupTools.Tests.Metadata;

namespace BackupTools.Tests.Notifications;

/// <summary>The notification parameters of New-DbBackup, Test-BackupIntegrity, Restore-DbBackup and Invoke-DrDrill (issue 9), declared once in NotifyingCmdlet.</summary>
public class NotificationParameterTests
{
    private static readonly ModuleMetadata M = ModuleMetadata.Instance;

    public static readonly string[] NotifyingCmdlets = { "New-DbBackup", "Test-BackupIntegrity", "Restore-DbBackup", "Invoke-DrDrill" };

    private static readonly string[] Parameters =
    {
        "HealthchecksUrl:String", "HealthchecksUrlEnvironmentVariable:String", "SlackWebhookUrl:String", "SlackWebhookUrlEnvironmentVariable:String",
        "NotifyOn:String", "NotifyTimeout:Nullable`1", "NotifyRetries:Nullable`1",
        "NotifyEmail:String[]", "EmailFrom:String", "SmtpServer:String", "SmtpCredential:PSCredential", "SmtpTls:String", "SmtpCaFile:String",
    };

    /// <summary>Parameters issue 9 adds to the agreed surface (merged into CmdletShapeTests' table).</summary>
    public static readonly Dictionary<string, string[]> Surface = NotifyingCmdlets.ToDictionary(c => c, _ => Parameters);

    /// <summary>-NotifyTimeout on each notifying cmdlet (CmdletShapeTests counts the TimeSpan parameters).</summary>
    public static int TimeSpanParameterCount => NotifyingCmdlets.Length;

    [Fact]
    public void Only_backup_verify_restore_and_drill_take_notification_parameters()
    {
        foreach (var c in M.Cmdlets)
        {
            var has = c.Parameters.Any(p => p.Name == "HealthchecksUrl");
            Assert.Equal(NotifyingCmdlets.Contains(c.Name), has);
        }
    }

    [Fact]
    public void NotifyOn_is_Failure_or_Always_NotifyTimeout_takes_duration_text_retries_are_0_to_10_and_SmtpTls_is_None_StartTls_or_Tls()
    {
        foreach (var name in NotifyingCmdlets)
        {
            var c = M.Cmdlet(name);
            var set = ModuleMetadata.Attribute(c.Parameter("NotifyOn").Property, "ValidateSetAttribute")!;
            var values = ((IReadOnlyCollection<CustomAttributeTypedArgument>)set.ConstructorArguments[0].Value!).Select(v => (string)v.Value!).ToArray();
            Assert.Equal(new[] { "Failure", "Always" }, values);
            Assert.NotNull(ModuleMetadata.Attribute(c.Parameter("NotifyTimeout").Property, "TimeSpanTransformationAttribute"));
            var range = ModuleMetadata.Attribute(c.Parameter("NotifyRetries").Property, "ValidateRangeAttribute")!;
            Assert.Equal(new object[] { 0, 10 }, range.ConstructorArguments.Select(a => a.Value).ToArray());
            var tls = ModuleMetadata.Attribute(c.Parameter("SmtpTls").Property, "ValidateSetAttribute")!;
            Assert.Equal(new[] { "None", "StartTls", "Tls" }, ((IReadOnlyCollection<CustomAttributeTypedArgument>)tls.ConstructorArguments[0].Value!).Select(v => (string)v.Value!).ToArray());
            Assert.NotNull(ModuleMetadata.Attribute(c.Parameter("SmtpCredential").Property, "CredentialAttribute"));
            foreach (var p in new[] { "HealthchecksUrl", "HealthchecksUrlEnvironmentVariable", "SlackWebhookUrl", "SlackWebhookUrlEnvironmentVariable", "NotifyEmail", "EmailFrom", "SmtpServer", "SmtpCaFile" })
            {
                Assert.NotNull(ModuleMetadata.Attribute(c.Parameter(p).Property, "ValidateNotNullOrEmptyAttribute"));
                Assert.Contains("__AllParameterSets", c.Parameter(p).Sets.Select(s => s.Name));
                Assert.DoesNotContain(c.Parameter(p).Sets, s => s.Mandatory);
            }
        }
    }
}
