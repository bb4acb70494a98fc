namespace BackupTools.Tests.Metadata;

/// <summary>The PostgreSQL parameters as PowerShell sees them: types, validation and aliases (read from the built assembly).</summary>
public class PostgresParameterTests
{
    private static readonly ModuleMetadata M = ModuleMetadata.Instance;

    [Theory]
    [InlineData("New-DbBackup")]
    [InlineData("Restore-DbBackup")]
    [InlineData("Test-BackupIntegrity")]
    [InlineData("Invoke-DrDrill")]
    public void Cmdlets_that_connect_take_a_PSCredential_with_the_Credential_attribute_and_a_client_tools_folder(string cmdlet)
    {
        var credential = M.Cmdlet(cmdlet).Parameter("Credential");
        Assert.Equal("System.Management.Automation.PSCredential", ModuleMetadata.UnwrapNullable(credential.Type).FullName);
        Assert.NotNull(ModuleMetadata.Attribute(credential.Property, "CredentialAttribute"));
        Assert.False(credential.IsMandatoryEverywhere);
        Assert.Equal("System.String", M.Cmdlet(cmdlet).Parameter("PgBinPath").Type.FullName);
        // No parameter takes a plain-text password.
        Assert.DoesNotContain(M.Cmdlet(cmdlet).Parameters, p => p.Name.Contains("Password", StringComparison.OrdinalIgnoreCase) && p.Type.FullName == "System.String");
    }

    [Fact]
    public void RowCounts_offers_exactly_Exact_Estimate_None_and_defaults_to_exact_counting()
    {
        var p = M.Cmdlet("New-DbBackup").Parameter("RowCounts");
        var set = ModuleMetadata.Attribute(p.Property, "ValidateSetAttribute")!;
        var values = ((IReadOnlyCollection<System.Reflection.CustomAttributeTypedArgument>)set.ConstructorArguments[0].Value!).Select(v => (string)v.Value!).ToArray();
        Assert.Equal(new[] { "Exact", "Estimate", "None" }, values);
        foreach (var name in new[] { "IncludeGlobals", "IncludeRolePasswords" })
            Assert.Equal("System.Management.Automation.SwitchParameter", M.Cmdlet("New-DbBackup").Parameter(name).Type.FullName);
    }

    [Fact]
    public void Restore_takes_CreateDatabase_NoOwner_IncludeGlobals_switches_and_a_bounded_Jobs_count()
    {
        var restore = M.Cmdlet("Restore-DbBackup");
        foreach (var name in new[] { "CreateDatabase", "NoOwner", "IncludeGlobals" })
            Assert.Equal("System.Management.Automation.SwitchParameter", restore.Parameter(name).Type.FullName);
        var jobs = restore.Parameter("Jobs");
        Assert.Equal("System.Int32", jobs.Type.FullName);
        var range = ModuleMetadata.Attribute(jobs.Property, "ValidateRangeAttribute")!;
        Assert.Equal(1, (int)range.ConstructorArguments[0].Value!);
        Assert.Equal(64, (int)range.ConstructorArguments[1].Value!);
    }

    [Fact]
    public void Backup_Jobs_is_an_Int32_that_the_engine_checks_so_a_bad_count_is_JobsInvalid_in_every_host()
    {
        var jobs = M.Cmdlet("New-DbBackup").Parameter("Jobs");
        Assert.Equal("System.Int32", jobs.Type.FullName);
        Assert.Null(ModuleMetadata.Attribute(jobs.Property, "ValidateRangeAttribute"));
    }

    [Theory]
    [InlineData("Test-BackupIntegrity")]
    [InlineData("Invoke-DrDrill")]
    public void ScratchServer_is_an_alias_of_ScratchTarget(string cmdlet) =>
        Assert.Contains("ScratchServer", M.Cmdlet(cmdlet).Parameter("ScratchTarget").Aliases);
}
