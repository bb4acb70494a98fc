using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Plan;

/// <summary>The plan's error ids, flags and example scripts are documented where users look.</summary>
public sealed class PlanDocsTests
{
    private static string Doc(params string[] path) => File.ReadAllText(Path.Combine([Datasets.RepoRoot, .. path]));

    [Theory]
    [InlineData(ErrorIds.ThrottleLimitInvalid)]
    [InlineData(ErrorIds.BackupPlanStepFailed)]
    [InlineData(ErrorIds.LogFileUnwritable)]
    public void Every_plan_error_id_has_a_row_in_docs_errors_md(string id)
    {
        Assert.Contains($"| `{id}` |", Doc("docs", "errors.md"));
    }

    [Fact]
    public void The_plan_is_documented_with_its_cmdlet_verb_log_format_and_example_scripts()
    {
        var plan = Doc("docs", "backup-plan.md");
        foreach (var needle in new[] { "Invoke-BackupPlan", "backuptools run", "--log-file", "--throttle-limit", "plan.logFile", "0640",
                     "OnCalendar", "Register-ScheduledTask", "Get-AutomationPSCredential", "Invoke-NightlyBackupPlan.ps1", "BackupPlan-AzureAutomation.ps1" })
            Assert.Contains(needle, plan);
        Assert.Contains("## Invoke-BackupPlan", Doc("docs", "cmdlets.md"));
        Assert.True(File.Exists(Path.Combine(Datasets.RepoRoot, "docs", "examples", "Invoke-NightlyBackupPlan.ps1")));
        Assert.True(File.Exists(Path.Combine(Datasets.RepoRoot, "docs", "examples", "BackupPlan-AzureAutomation.ps1")));
        Assert.Contains("Invoke-NightlyBackupPlan.ps1", Doc("tests", "pester", "BackupPlan.Tests.ps1"));
        Assert.Contains("BackupPlan-AzureAutomation.ps1", Doc("tests", "pester", "BackupPlan.Tests.ps1"));
    }
}
