using BackupTools.Configuration;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Config;

/// <summary>copies: lands in the model: named and inline destinations, each copy's retention and storage class, inherited from defaults:.</summary>
public sealed class ConfigCopiesTests : IDisposable
{
    private readonly TempDir _dir = new("bt-config-");

    public void Dispose() => _dir.Dispose();

    private const string File = """
        version: 1
        defaults:
          destination: local
          copies:
            - destination: nas
        destinations:
          local: { path: ./backups }
          nas: { path: ./nas }
          offsite:
            s3: { url: s3://bucket/prod, storageClass: STANDARD_IA }
        retention:
          daily: { keepDaily: 7 }
          monthly: { keepMonthly: 12 }
        databases:
          app:
            source: ./app.db
            retention: daily
            copies:
              - destination: offsite
                retention: monthly
                storageClass: GLACIER_IR
              - destination: { azure: { url: az://drbackups/app, account: drstore, accountKey: env:DR_KEY, accessTier: Hot } }
                storageClass: Cool
          inventory:
            source: ./inventory.db
        """;

    [Fact]
    public void Each_copy_has_its_destination_retention_and_storage_class_and_defaults_give_copies_to_every_database()
    {
        var path = Path.Combine(_dir.Path, "backuptools.yaml");
        System.IO.File.WriteAllText(path, File);
        var config = BackupConfigLoader.Load(path);

        var app = config.GetDatabase("app");
        Assert.Equal(2, app.Copies.Count);
        var offsite = app.Copies[0];
        Assert.Same(config.Destinations["offsite"], offsite.Destination);
        Assert.Equal("monthly", offsite.RetentionName);
        Assert.Same(config.Retention["monthly"], offsite.Retention);
        Assert.Equal("GLACIER_IR", offsite.EffectiveStorageClass); // the copy's own class over the destination's STANDARD_IA
        Assert.Equal(new ConfigPosition(19, 9), offsite.Position);

        var dr = app.Copies[1];
        Assert.Equal("app-copy2", dr.Destination.Name);
        Assert.Equal("az://drbackups/app", dr.Destination.Location);
        Assert.Equal("drstore", dr.Destination.AzureAccount);
        Assert.Equal("Cool", dr.EffectiveStorageClass);
        Assert.Null(dr.Retention);

        // inventory has no copies: of its own: it inherits defaults' (the whole list).
        var inventory = config.GetDatabase("inventory");
        var nas = Assert.Single(inventory.Copies);
        Assert.Same(config.Destinations["nas"], nas.Destination);
        Assert.Null(nas.EffectiveStorageClass);
        // config show lists each copy with its destination, retention and storage class; secrets stay references.
        var shown = Assert.IsType<List<Dictionary<string, object?>>>(ProfileDescription.Describe(app)["copies"]);
        Assert.Equal(2, shown.Count);
        Assert.Equal("GLACIER_IR", shown[0]["storageClass"]);
        Assert.Equal("monthly", ((Dictionary<string, object?>)shown[0]["retention"]!)["name"]);
        Assert.False(shown[1].ContainsKey("retention"));
        Assert.Contains("env:DR_KEY", System.Text.Json.JsonSerializer.Serialize(shown[1]));
        Assert.DoesNotContain(config.Warnings, w => w.Message.Contains("'nas'", StringComparison.Ordinal) || w.Message.Contains("'offsite'", StringComparison.Ordinal));
    }

    [Fact]
    public void Online_checks_an_inline_copy_destination_at_its_line()
    {
        var path = Path.Combine(_dir.Path, "online.yaml");
        Directory.CreateDirectory(Path.Combine(_dir.Path, "backups"));
        System.IO.File.WriteAllText(path, """
            version: 1
            destinations:
              local: { path: ./backups }
            databases:
              app:
                source: ./app.db
                destination: local
                copies:
                  - destination: { path: ./no-such-nas }
            """);
        System.IO.File.WriteAllText(Path.Combine(_dir.Path, "app.db"), "");

        var report = BackupConfigLoader.Validate(path, new ConfigValidationOptions { Online = true });

        var problem = Assert.Single(report.Problems, p => p.Key == "databases.app.copies[0].destination");
        Assert.Equal(ErrorIds.DestinationNotFound, problem.ErrorId);
        Assert.Equal((9, 22), (problem.Line, problem.Column));
    }
}
