using BackupTools.Tests.Metadata;

namespace BackupTools.Tests.Crypto;

/// <summary>The encryption and compression parameters of the cmdlets: types, validation, and the matching CLI flags.</summary>
public class EncryptionParameterTests
{
    private static readonly ModuleMetadata M = ModuleMetadata.Instance;

    /// <summary>Parameters issue 5 adds to the agreed surface (merged into CmdletShapeTests' table).</summary>
    public static readonly Dictionary<string, string[]> Surface = new()
    {
        ["New-DbBackup"] = new[] { "Recipient:String[]", "Passphrase:SecureString", "PassphraseFile:String", "PassphraseEnvironmentVariable:String" },
        ["Test-BackupIntegrity"] = ReadSide,
        ["Restore-DbBackup"] = ReadSide,
        ["Invoke-DrDrill"] = ReadSide,
    };

    private static string[] ReadSide => new[] { "PrivateKey:String[]", "PrivateKeyPassphrase:SecureString", "Passphrase:SecureString", "PassphraseFile:String", "PassphraseEnvironmentVariable:String" };

    [Fact]
    public void Secrets_are_SecureString_parameters_and_nothing_exposes_a_BouncyCastle_type()
    {
        foreach (var c in M.Cmdlets)
        {
            foreach (var p in c.Parameters)
            {
                Assert.DoesNotContain("BouncyCastle", p.Type.FullName ?? "", StringComparison.Ordinal);
                if (p.Name is "Passphrase" or "PrivateKeyPassphrase")
                    Assert.Equal("System.Security.SecureString", p.Type.FullName);
            }
        }
    }

    [Fact]
    public void Compression_accepts_gzip_zstd_none_and_levels_up_to_19()
    {
        var compression = M.Cmdlet("New-DbBackup").Parameter("Compression");
        var set = ModuleMetadata.Attribute(compression.Property, "ValidateSetAttribute")!;
        var values = ((IReadOnlyCollection<System.Reflection.CustomAttributeTypedArgument>)set.ConstructorArguments[0].Value!).Select(v => (string)v.Value!).ToArray();
        Assert.Equal(new[] { "Gzip", "Zstd", "None" }, values);
        var range = ModuleMetadata.Attribute(M.Cmdlet("New-DbBackup").Parameter("CompressionLevel").Property, "ValidateRangeAttribute")!;
        Assert.Equal(new object[] { 0, 19 }, range.ConstructorArguments.Select(a => a.Value).ToArray());
    }

    [Theory]
    [InlineData("backup", new[] { "--recipient", "--passphrase-file", "--passphrase-env", "--compression", "--compression-level" })]
    [InlineData("verify", new[] { "--private-key", "--private-key-passphrase-env", "--passphrase-file", "--passphrase-env" })]
    [InlineData("restore", new[] { "--private-key", "--private-key-passphrase-env", "--passphrase-file", "--passphrase-env" })]
    [InlineData("drill", new[] { "--private-key", "--private-key-passphrase-env", "--passphrase-file", "--passphrase-env" })]
    public void Every_verb_has_the_matching_flags_and_none_takes_a_secret_value(string verb, string[] flags)
    {
        var help = Cli.CliRunner.Run(verb, "--help").Expect(0).StdOut;
        foreach (var flag in flags) Assert.Contains(flag, help, StringComparison.Ordinal);
        Assert.DoesNotContain("--passphrase ", help, StringComparison.Ordinal);
        Assert.DoesNotContain("--private-key-passphrase ", help, StringComparison.Ordinal);
    }
}
