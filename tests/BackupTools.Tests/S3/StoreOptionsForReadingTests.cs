using BackupTools.Stores;
using Xunit;

namespace BackupTools.Tests.S3;

public sealed class StoreOptionsForReadingTests
{
    [Fact]
    public void Reading_options_drop_only_the_storage_class_and_keep_the_request_timeout_and_credentials()
    {
        var given = new StoreOptions
        {
            StorageClass = "STANDARD_IA", RequestTimeout = TimeSpan.FromSeconds(7), Concurrency = 3,
            AccessKeyId = "id", SecretAccessKey = "secret", AzureAccountName = "acct", S3Endpoint = "http://127.0.0.1:1",
        };

        var reading = given.ForReading();

        Assert.Null(reading.StorageClass);
        Assert.Equal(TimeSpan.FromSeconds(7), reading.RequestTimeout);
        Assert.Equal(3, reading.Concurrency);
        Assert.Equal("id", reading.AccessKeyId);
        Assert.Equal("secret", reading.SecretAccessKey);
        Assert.Equal("acct", reading.AzureAccountName);
        Assert.Equal("http://127.0.0.1:1", reading.S3Endpoint);
    }
}
