namespace BackupTools.Configuration;

/// <summary>A database's copies: each names a destination (or describes one inline) with its own retention and storage class.</summary>
internal sealed partial class ConfigReader
{
    private List<CopyConfig> ReadCopies(Entry entry, string db, DestinationConfig? primary, Sections sections)
    {
        var copies = new List<CopyConfig>();
        if (entry.Value is YScalar { IsNull: true }) return copies;
        if (entry.Value is not YSequence list)
        {
            Error(entry.Value.Position, entry.Key, $"copies must be a list (- destination: <name>, one line per copy), not {entry.Value.Describe()}");
            return copies;
        }
        var seen = new Dictionary<string, ConfigPosition>(StringComparer.Ordinal);
        for (var i = 0; i < list.Items.Count; i++)
        {
            if (ReadCopy(list.Items[i], $"{entry.Key}[{i}]", i + 1, db, primary, sections) is not { } copy) continue;
            var location = copy.Destination.Location.TrimEnd('/');
            if (seen.TryGetValue(location, out var first))
                Error(copy.Position, $"{entry.Key}[{i}]", $"database '{db}' copies to '{copy.Destination.Name}' ({copy.Destination.Location}) twice " +
                                                          $"(first at line {first.Line}); keep one");
            else
            {
                seen[location] = copy.Position;
                copies.Add(copy);
            }
        }
        return copies;
    }

    private CopyConfig? ReadCopy(YNode node, string key, int number, string db, DestinationConfig? primary, Sections sections)
    {
        var what = $"copy {number} of database '{db}'";
        var map = Map(node, key, ConfigKeys.Copy, what);
        if (map is null) return null;
        if (!map.TryGetValue("destination", out var de))
        {
            Error(node.Position, key, $"{what} has no destination: name one of destinations: (or describe it with path:, s3: or azure: under destination:)");
            return null;
        }
        var destination = de.Value is YMapping
            ? ReadDestination(new YScalar(de.Value.Position, $"{db}-copy{number}", plain: true), de.Value, de.Key)
            : Reference(de, "destination", "destinations", sections.Destinations);
        if (destination is null) return null;
        if (primary is not null && string.Equals(destination.Location.TrimEnd('/'), primary.Location.TrimEnd('/'), StringComparison.Ordinal))
        {
            Error(de.Value.Position, de.Key, $"{what} goes to '{destination.Name}' ({destination.Location}), where the database's backups already are " +
                                             $"(destination: {primary.Name}); a copy must go to another destination");
            return null;
        }

        string? storageClass = null;
        if (map.TryGetValue("storageClass", out var sc))
        {
            if (destination.IsAzure) storageClass = Enum(sc.Value, sc.Key, Stores.Azure.AzureClientFactory.AccessTiers);
            else if (destination.IsS3) storageClass = Enum(sc.Value, sc.Key, Stores.S3.S3ClientFactory.StorageClasses);
            else
            {
                Error(sc.Value.Position, sc.Key, $"{what} goes to folder '{destination.Location}': storageClass is for S3 (a storage class) and Azure (an access tier) copies; remove it");
                return null;
            }
            if (storageClass is null) return null;
        }
        var retention = map.TryGetValue("retention", out var re) ? Reference(re, "retention policy", "retention", sections.Retention) : null;
        if (re is not null && retention is null) return null;
        return new CopyConfig
        {
            Destination = destination,
            StorageClass = storageClass,
            RetentionName = retention is null ? null : ((YScalar)re!.Value).Value,
            Retention = retention,
            Position = node.Position,
        };
    }
}
