using System.Reflection;
using BackupTools.Tests.Metadata;

namespace BackupTools.Tests.S3;

/// <summary>The S3 parameters as PowerShell sees them, read from the built module with MetadataLoadContext.</summary>
public class S3CmdletMetadataTests
{
    private static readonly ModuleMetadata M = ModuleMetadata.Instance;

    private static readonly string[] S3Parameters =
        ["S3Endpoint", "S3Region", "S3ForcePathStyle", "StorageClass", "S3ServerSideEncryption", "S3KmsKeyId", "S3Profile", "S3Credential", "S3Concurrency", "S3Timeout"];

    [Fact]
    public void Every_cmdlet_has_the_S3_parameters_declared_once_in_StoreCmdlet_and_optional_everywhere()
    {
        foreach (var c in M.Cmdlets.Where(c => !CmdletShapeTests.WithoutStoreParameters.Contains(c.Name)))
        {
            foreach (var name in S3Parameters)
            {
                var p = c.Parameter(name);
                Assert.Equal("StoreCmdlet", p.Property.DeclaringType!.Name);
                Assert.False(p.Sets.Any(s => s.Mandatory), $"{c} -{name} is mandatory");
                Assert.All(p.Sets, s => Assert.Null(s.Position));
            }
        }
    }

    [Fact]
    public void S3Credential_is_a_PSCredential_with_the_Credential_attribute_and_no_secret_is_a_string_parameter()
    {
        var p = M.Cmdlet("New-DbBackup").Parameter("S3Credential");
        Assert.Equal("System.Management.Automation.PSCredential", p.Type.FullName);
        Assert.NotNull(ModuleMetadata.Attribute(p.Property, "CredentialAttribute"));
        foreach (var c in M.Cmdlets)
            Assert.DoesNotContain(c.Parameters, x => x.Name.Contains("Secret", StringComparison.OrdinalIgnoreCase) || x.Name.Contains("AccessKey", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("StorageClass", new[] { "STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE", "REDUCED_REDUNDANCY", "NEARLINE", "COLDLINE", "ARCHIVE", "HOT", "COOL", "COLD" })]
    [InlineData("S3ServerSideEncryption", new[] { "AES256", "aws:kms" })]
    public void Enumerated_S3_parameters_are_restricted_with_ValidateSet(string name, string[] values)
    {
        var p = M.Cmdlet("Get-DbBackup").Parameter(name);
        var set = ModuleMetadata.Attribute(p.Property, "ValidateSetAttribute");
        Assert.NotNull(set);
        var actual = ((IReadOnlyCollection<CustomAttributeTypedArgument>)set!.ConstructorArguments[0].Value!).Select(v => (string)v.Value!);
        Assert.Equal(values, actual);
    }

    [Fact]
    public void S3Concurrency_is_an_int_from_1_to_64()
    {
        var p = M.Cmdlet("Restore-DbBackup").Parameter("S3Concurrency");
        Assert.Equal("System.Int32", p.Type.FullName);
        var range = ModuleMetadata.Attribute(p.Property, "ValidateRangeAttribute");
        Assert.NotNull(range);
        Assert.Equal(new object[] { 1, 64 }, range!.ConstructorArguments.Select(a => a.Value).ToArray());
    }
}
