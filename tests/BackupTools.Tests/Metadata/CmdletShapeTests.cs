using System.Reflection;

namespace BackupTools.Tests.Metadata;

/// <summary>The cmdlet classes follow the conventions PowerShell and its users rely on.</summary>
public class CmdletShapeTests
{
    private static readonly ModuleMetadata M = ModuleMetadata.Instance;

    public static readonly string[] AgreedCmdlets =
    {
        "Get-DbBackup", "Invoke-DrDrill", "New-DbBackup", "Remove-ExpiredBackup", "Restore-DbBackup", "Test-BackupIntegrity",
        "Test-BackupConfig", // issue 8
        "Invoke-BackupPlan", // issue 8b
        // Health and metrics (issue 9)
        "Export-BackupMetric", "Get-BackupHealth",
        "Copy-DbBackup", // second copies (docs/copies.md)
    };

    /// <summary>Cmdlets that reach no store through parameters (a configuration file says where), so they lack StoreCmdlet's S3 parameters.</summary>
    public static readonly string[] WithoutStoreParameters = { "Test-BackupConfig", "Invoke-BackupPlan" };

    [Fact]
    public void The_agreed_six_cmdlets_exist()
    {
        Assert.Equal(AgreedCmdlets.Order(StringComparer.Ordinal), M.Cmdlets.Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_cmdlet_is_a_public_sealed_PSCmdlet_named_VerbNounCommand_in_BackupTools_Commands()
    {
        foreach (var c in M.Cmdlets)
        {
            Assert.True(c.Type.IsPublic, $"{c} is not public");
            Assert.True(c.Type.IsSealed, $"{c} is not sealed");
            Assert.True(c.Type.IsSubclassOf(M.PSCmdlet), $"{c} does not derive from PSCmdlet");
            Assert.NotNull(c.Type.GetConstructor(Type.EmptyTypes));
            Assert.Equal($"{c.Verb}{c.Noun}Command", c.Type.Name);
            // The fully qualified error id is 'Id,<namespace>.<class>'; scripts and the Pester tests match on it.
            Assert.Equal("BackupTools.Commands", c.Type.Namespace);
        }
    }

    [Fact]
    public void Every_verb_is_an_approved_PowerShell_verb()
    {
        var approved = new[] { "VerbsCommon", "VerbsData", "VerbsLifecycle", "VerbsDiagnostic", "VerbsCommunications", "VerbsSecurity", "VerbsOther" }
            .SelectMany(n => M.Sma.GetType("System.Management.Automation." + n, throwOnError: true)!.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("Get", approved);
        foreach (var c in M.Cmdlets)
            Assert.True(approved.Contains(c.Verb), $"{c}: '{c.Verb}' is not an approved verb");
    }

    [Fact]
    public void Every_cmdlet_declares_its_output_type_and_it_is_a_BackupTools_type()
    {
        var expected = new Dictionary<string, string>
        {
            ["New-DbBackup"] = "BackupTools.BackupInfo",
            ["Get-DbBackup"] = "BackupTools.BackupInfo",
            ["Test-BackupIntegrity"] = "BackupTools.IntegrityResult",
            ["Restore-DbBackup"] = "BackupTools.RestoreResult",
            ["Remove-ExpiredBackup"] = "BackupTools.RetentionDecision",
            ["Invoke-DrDrill"] = "BackupTools.DrillReport",
            ["Test-BackupConfig"] = "BackupTools.Configuration.ConfigValidationReport",
            ["Invoke-BackupPlan"] = "BackupTools.BackupPlanResult",
            ["Get-BackupHealth"] = "BackupTools.BackupHealth",
            ["Export-BackupMetric"] = "BackupTools.MetricsExportResult",
            ["Copy-DbBackup"] = "BackupTools.BackupCopy",
        };
        foreach (var c in M.Cmdlets)
            Assert.Equal(new[] { expected[c.Name] }, c.OutputTypes.Select(t => t.FullName).ToArray());
    }

    [Theory]
    [InlineData("Restore-DbBackup")]
    [InlineData("Remove-ExpiredBackup")]
    public void Destructive_cmdlets_support_ShouldProcess_with_high_impact(string name)
    {
        var c = M.Cmdlet(name);
        Assert.True(c.SupportsShouldProcess);
        Assert.Equal("High", c.ConfirmImpact);
    }

    [Fact]
    public void Exactly_the_cmdlets_that_change_things_support_ShouldProcess()
    {
        var withShouldProcess = M.Cmdlets.Where(c => c.SupportsShouldProcess).Select(c => c.Name).ToArray();
        Assert.Equal(new[] { "Copy-DbBackup", "Export-BackupMetric", "Invoke-BackupPlan", "Invoke-DrDrill", "New-DbBackup", "Remove-ExpiredBackup", "Restore-DbBackup" }, withShouldProcess.Order(StringComparer.Ordinal));
        // Creating a backup or running a drill is routine: no prompt by default.
        Assert.Equal("Medium", M.Cmdlet("New-DbBackup").ConfirmImpact);
        Assert.Equal("Medium", M.Cmdlet("Invoke-DrDrill").ConfirmImpact);
        // The plan deletes only what its retention expires after a passed verification; scheduled runs must not prompt.
        Assert.Equal("Medium", M.Cmdlet("Invoke-BackupPlan").ConfirmImpact);
    }

    [Fact]
    public void Mandatory_parameters_and_positions_match_the_agreed_surface()
    {
        string[] Mandatory(string cmdlet, string set) => M.Cmdlet(cmdlet).Parameters
            .Where(p => p.Sets.Any(s => s.Mandatory && (s.Name == set || s.Name == "__AllParameterSets")))
            .Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();

        // Values a -Profile can supply are not mandatory: the engine reports ConfigValueMissing naming the parameter
        // when neither it nor a profile gives one. The restore target never comes from a profile.
        Assert.Empty(Mandatory("New-DbBackup", "__AllParameterSets"));
        Assert.Equal(0, M.Cmdlet("New-DbBackup").Parameter("Source").Sets.Single().Position);
        Assert.Equal(1, M.Cmdlet("New-DbBackup").Parameter("Destination").Sets.Single().Position);
        Assert.Empty(Mandatory("Get-DbBackup", "__AllParameterSets"));
        Assert.Equal(1, M.Cmdlet("Get-DbBackup").Parameter("Database").Sets.Single().Position);
        Assert.Empty(Mandatory("Test-BackupIntegrity", "__AllParameterSets"));
        // -Target (a database) or -DataDirectory (a base backup): one of them, checked by the cmdlet.
        Assert.Empty(Mandatory("Restore-DbBackup", "__AllParameterSets"));
        Assert.Empty(Mandatory("Remove-ExpiredBackup", "Destination"));
        Assert.Equal(new[] { "Path" }, Mandatory("Remove-ExpiredBackup", "Pipeline"));
        Assert.Empty(Mandatory("Invoke-DrDrill", "Path"));
        Assert.Equal(new[] { "Database", "Destination" }, Mandatory("Invoke-DrDrill", "Destination"));
        Assert.Empty(Mandatory("Test-BackupConfig", "__AllParameterSets"));
        Assert.Equal(0, M.Cmdlet("Test-BackupConfig").Parameter("Path").Sets.Single().Position);
        Assert.Empty(Mandatory("Invoke-BackupPlan", "__AllParameterSets"));
        Assert.Equal(0, M.Cmdlet("Invoke-BackupPlan").Parameter("Database").Sets.Single().Position);
        // Without -Destination (and -Path) they cover every database of the configuration file.
        Assert.Empty(Mandatory("Get-BackupHealth", "__AllParameterSets"));
        Assert.Equal(0, M.Cmdlet("Get-BackupHealth").Parameter("Destination").Sets.Single().Position);
        Assert.Equal(1, M.Cmdlet("Get-BackupHealth").Parameter("Database").Sets.Single().Position);
        Assert.True(M.Cmdlet("Get-BackupHealth").Parameter("Database").ByPropertyName); // Get-DbBackup -Latest | Get-BackupHealth -Destination ...
        Assert.Empty(Mandatory("Export-BackupMetric", "__AllParameterSets"));
        Assert.Equal(0, M.Cmdlet("Export-BackupMetric").Parameter("Path").Sets.Single().Position);
        Assert.Equal(1, M.Cmdlet("Export-BackupMetric").Parameter("Destination").Sets.Single().Position);
    }

    [Fact]
    public void Every_parameter_of_the_agreed_surface_exists_with_its_type()
    {
        var surface = new Dictionary<string, string[]>
        {
            ["New-DbBackup"] = new[] { "Source:String", "Destination:String", "DatabaseName:String", "Engine:String", "Tag:String[]", "Compression:String", "CompressionLevel:Nullable`1", "TempPath:String", "Credential:PSCredential", "PgBinPath:String", "RowCounts:String", "IncludeGlobals:SwitchParameter", "IncludeRolePasswords:SwitchParameter", "Type:BackupType", "Collection:String[]", "ExcludeCollection:String[]", "Table:String[]", "ExcludeTable:String[]", "Schema:String[]", "ExcludeSchema:String[]", "Oplog:SwitchParameter", "AdditionalSource:String[]", "Include:String[]", "Exclude:String[]", "StrictConsistency:SwitchParameter", "Jobs:Int32" },
            ["Get-DbBackup"] = new[] { "Destination:String[]", "Database:String", "Latest:SwitchParameter", "Since:Nullable`1", "Until:Nullable`1", "IncludeIncomplete:SwitchParameter" },
            ["Test-BackupIntegrity"] = new[] { "Path:String[]", "Level:IntegrityLevel", "MaxAge:Nullable`1", "WarningAge:Nullable`1", "ScratchTarget:String", "TempPath:String", "Credential:PSCredential", "PgBinPath:String" },
            ["Restore-DbBackup"] = new[] { "Path:String", "Target:String", "Force:SwitchParameter", "PreBackup:SwitchParameter", "Verify:SwitchParameter", "TempPath:String", "Credential:PSCredential", "PgBinPath:String", "CreateDatabase:SwitchParameter", "Jobs:Int32", "IncludeGlobals:SwitchParameter", "NoOwner:SwitchParameter", "KeepPrevious:SwitchParameter",
                "DataDirectory:String", "TargetTime:Nullable`1", "TargetLsn:String", "TargetName:String", "TargetImmediate:SwitchParameter", "Start:SwitchParameter", "Port:Nullable`1", "Destination:String", "Database:String", "Include:String[]" },
            ["Remove-ExpiredBackup"] = new[] { "Destination:String", "Database:String", "Path:String[]", "KeepLast:Int32", "KeepHourly:Int32", "KeepDaily:Int32", "KeepWeekly:Int32", "KeepMonthly:Int32", "KeepYearly:Int32", "KeepWithin:Nullable`1", "KeepTag:String[]", "TimeZone:String", "MinimumKeep:Int32", "IncludeIncomplete:SwitchParameter", "IncompleteOlderThan:Nullable`1" },
            ["Get-BackupHealth"] = new[] { "Destination:String", "Database:String", "MaxAge:Nullable`1", "WarningAge:Nullable`1", "SizeChangeThreshold:Nullable`1", "MinFreeSpacePercent:Nullable`1" },
            ["Export-BackupMetric"] = new[] { "Path:String", "Destination:String", "Database:String", "MaxAge:Nullable`1", "WarningAge:Nullable`1", "SizeChangeThreshold:Nullable`1", "MinFreeSpacePercent:Nullable`1" },
            ["Invoke-DrDrill"] = new[] { "Path:String[]", "Destination:String", "Database:String", "Select:DrillSelection", "Seed:Nullable`1", "ScratchTarget:String", "KeepScratch:SwitchParameter", "RtoObjective:Nullable`1", "RpoObjective:Nullable`1", "RpoWindow:Nullable`1", "ReportPath:String", "TempPath:String", "Credential:PSCredential", "PgBinPath:String", "AssertionFile:String" },
            ["Test-BackupConfig"] = new[] { "Path:String", "Online:SwitchParameter", "SkipEnvironmentCheck:SwitchParameter" },
            ["Invoke-BackupPlan"] = new[] { "Database:String[]", "ConfigPath:String", "ThrottleLimit:Int32" },
            ["Copy-DbBackup"] = new[] { "Path:String[]", "Destination:String", "From:String", "Database:String", "Latest:SwitchParameter" },
        };
        // Every cmdlet reads or writes a store, so every one takes the S3 options (StoreCmdlet; see S3CmdletMetadataTests).
        var s3 = new[] { "S3Endpoint:String", "S3Region:String", "S3ForcePathStyle:SwitchParameter", "StorageClass:String", "S3ServerSideEncryption:String", "S3KmsKeyId:String", "S3Profile:String", "S3Credential:PSCredential", "S3Concurrency:Int32", "S3Timeout:TimeSpan",
            "AzureStorageAccount:String", "AzureCredential:PSCredential", "AzureSasToken:SecureString", "AzureConnectionString:SecureString" };
        // ... and the configuration file's -ConfigPath/-Profile pair (StoreCmdlet; see ProfileParameterTests).
        s3 = s3.Concat(new[] { "ConfigPath:String", "Profile:String" }).ToArray();
        foreach (var (name, added) in Crypto.EncryptionParameterTests.Surface) surface[name] = surface[name].Concat(added).ToArray();
        foreach (var (name, added) in Notifications.NotificationParameterTests.Surface) surface[name] = surface[name].Concat(added).ToArray();
        foreach (var c in M.Cmdlets)
        {
            var actual = c.Parameters.Select(p => $"{p.Name}:{p.Type.Name}").OrderBy(s => s, StringComparer.Ordinal);
            Assert.Equal(surface[c.Name].Concat(WithoutStoreParameters.Contains(c.Name) ? Array.Empty<string>() : s3).OrderBy(s => s, StringComparer.Ordinal), actual);
        }
    }

    [Fact]
    public void Every_TimeSpan_parameter_accepts_duration_text()
    {
        var timeSpans = M.Cmdlets.SelectMany(c => c.Parameters.Select(p => (c, p)))
            .Where(x => ModuleMetadata.UnwrapNullable(x.p.Type).FullName == "System.TimeSpan")
            .ToList();
        // MaxAge, KeepWithin, IncompleteOlderThan, RtoObjective, RpoObjective, RpoWindow; MaxAge of Get-BackupHealth and
        // Export-BackupMetric; -WarningAge of those three; -NotifyTimeout on three cmdlets; -S3Timeout on every cmdlet with the S3 parameters.
        var s3Timeouts = timeSpans.Count(x => x.p.Name == "S3Timeout");
        Assert.Equal(M.Cmdlets.Count(c => !WithoutStoreParameters.Contains(c.Name)), s3Timeouts);
        Assert.Equal(11 + Notifications.NotificationParameterTests.TimeSpanParameterCount, timeSpans.Count - s3Timeouts);
        foreach (var (c, p) in timeSpans)
            Assert.True(ModuleMetadata.Attribute(p.Property, "TimeSpanTransformationAttribute") is not null, $"{c} -{p.Name} lacks [TimeSpanTransformation]");
    }

    [Fact]
    public void Invoke_BackupPlan_throttle_limit_is_range_checked_and_database_takes_wildcards_and_pipeline_input()
    {
        var c = M.Cmdlet("Invoke-BackupPlan");
        var range = ModuleMetadata.Attribute(c.Parameter("ThrottleLimit").Property, "ValidateRangeAttribute");
        Assert.NotNull(range);
        Assert.Equal(1, Convert.ToInt32(range!.ConstructorArguments[0].Value));
        Assert.Equal(64, Convert.ToInt32(range.ConstructorArguments[1].Value));
        var database = c.Parameter("Database");
        Assert.NotNull(ModuleMetadata.Attribute(database.Property, "SupportsWildcardsAttribute"));
        Assert.True(database.ByPropertyName);
        Assert.Contains(database.Sets, s => s.ValueFromPipeline);
    }

    [Fact]
    public void Remove_ExpiredBackup_retention_safety_parameters_are_shaped_as_agreed()
    {
        var c = M.Cmdlet("Remove-ExpiredBackup");
        var range = ModuleMetadata.Attribute(c.Parameter("MinimumKeep").Property, "ValidateRangeAttribute");
        Assert.NotNull(range);
        Assert.Equal(1, Convert.ToInt32(range!.ConstructorArguments[0].Value));
        // Every safety/policy parameter is in both parameter sets (destination and pipeline).
        foreach (var name in new[] { "MinimumKeep", "IncludeIncomplete", "IncompleteOlderThan", "KeepDaily", "TimeZone" })
            Assert.Contains("__AllParameterSets", c.Parameter(name).Sets.Select(s => s.Name));
    }
}
