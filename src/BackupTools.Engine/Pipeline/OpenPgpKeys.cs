using System.Text;
using BackupTools.Manifest;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace BackupTools.Pipeline;

/// <summary>Loads OpenPGP keys given as a file path or as armored text. Internal: no BouncyCastle type leaves the engine.</summary>
internal static class OpenPgpKeys
{
    public static bool LooksArmored(string value) => value.Contains("-----BEGIN PGP", StringComparison.Ordinal);

    /// <summary>The bytes of a key given as a path or as armored text; <paramref name="what"/> names it in errors.</summary>
    private static byte[] Read(string value, string errorId, string what)
    {
        if (LooksArmored(value)) return Encoding.UTF8.GetBytes(value);
        var full = Path.GetFullPath(value);
        if (!File.Exists(full))
            throw new BackupToolsException(errorId, ErrorKind.ObjectNotFound,
                $"{what} '{full}' does not exist. Give the path of a key file (binary or ASCII-armored, e.g. from gpg --export) or the armored key text.", full);
        try
        {
            return File.ReadAllBytes(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(errorId, ErrorKind.ReadError, $"{what} '{full}' cannot be read: {ex.Message}", full, ex);
        }
    }

    private static string Describe(string value) => LooksArmored(value) ? "the armored key text" : $"'{Path.GetFullPath(value)}'";

    /// <summary>
    /// The encryption key of each recipient: for every key ring in the input, its newest valid encryption-capable
    /// (sub)key. A secret key block is accepted too (its public part is used), so a restore can re-encrypt.
    /// </summary>
    public static List<(PgpPublicKey Key, EncryptionRecipient Info)> LoadRecipients(IEnumerable<string> recipients)
    {
        var keys = new List<(PgpPublicKey Key, EncryptionRecipient Info)>();
        foreach (var recipient in recipients)
        {
            if (string.IsNullOrWhiteSpace(recipient))
                throw new BackupToolsException(ErrorIds.EncryptionRecipientInvalid, ErrorKind.InvalidArgument,
                    "A -Recipient is empty. Give a public key file path or the armored public key.", null);
            var bytes = Read(recipient, ErrorIds.EncryptionRecipientInvalid, "Recipient key file");
            var rings = new List<IEnumerable<PgpPublicKey>>();
            try
            {
                var bundle = new PgpPublicKeyRingBundle(PgpUtilities.GetDecoderStream(new MemoryStream(bytes)));
                foreach (PgpPublicKeyRing ring in bundle.GetKeyRings()) rings.Add(ring.GetPublicKeys().Cast<PgpPublicKey>());
            }
            catch (Exception ex) when (ex is PgpException or IOException or ArgumentException or InvalidCastException)
            {
                try
                {
                    var secret = new PgpSecretKeyRingBundle(PgpUtilities.GetDecoderStream(new MemoryStream(bytes)));
                    foreach (PgpSecretKeyRing ring in secret.GetKeyRings())
                        rings.Add(ring.GetSecretKeys().Cast<PgpSecretKey>().Select(k => k.PublicKey));
                }
                catch (Exception ex2) when (ex2 is PgpException or IOException or ArgumentException or InvalidCastException)
                {
                    throw new BackupToolsException(ErrorIds.EncryptionRecipientInvalid, ErrorKind.InvalidArgument,
                        $"Recipient {Describe(recipient)} is not an OpenPGP public key this version can use ({ex.Message}).{UnsupportedAlgorithmHint(ex)} " +
                        "Export a key with: gpg --export --armor <key id>.", null, ex);
                }
            }
            if (rings.Count == 0)
                throw new BackupToolsException(ErrorIds.EncryptionRecipientInvalid, ErrorKind.InvalidArgument,
                    $"Recipient {Describe(recipient)} holds no OpenPGP key. Export it with: gpg --export --armor <key id>.", null);
            foreach (var ring in rings)
            {
                var all = ring.ToList();
                var usable = all.Where(IsUsableEncryptionKey).OrderByDescending(k => k.CreationTime).ToList();
                if (usable.Count == 0)
                    throw new BackupToolsException(ErrorIds.EncryptionRecipientInvalid, ErrorKind.InvalidArgument,
                        $"Key {KeyId(all[0].KeyId)} ({UserIdOf(all)}) in recipient {Describe(recipient)} has no valid encryption key " +
                        "(revoked, expired, or sign-only). Add an encryption subkey (gpg --quick-add-key <fpr> rsa3072 encr) or use another key.", null);
                // Prefer a subkey, as gpg does; the primary key only when it is the sole encryption key.
                var key = usable.FirstOrDefault(k => !k.IsMasterKey) ?? usable[0];
                if (!keys.Any(k => k.Key.KeyId == key.KeyId)) keys.Add((key, Describe(key, all)));
            }
        }
        return keys;
    }

    /// <summary>The manifest's description of a recipient key: ids and fingerprints only.</summary>
    public static EncryptionRecipient Describe(PgpPublicKey key, IEnumerable<PgpPublicKey> ring) => new()
    {
        KeyId = KeyId(key.KeyId),
        Fingerprint = Convert.ToHexString(key.GetFingerprint()),
        PrimaryFingerprint = ring.FirstOrDefault(k => k.IsMasterKey) is { } primary ? Convert.ToHexString(primary.GetFingerprint()) : null,
        UserId = UserIdOf(ring),
    };

    /// <summary>
    /// The OpenPGP library in use (BouncyCastle 1.8) reads RSA, DSA/ElGamal and NIST-curve keys, not Ed25519/Cv25519
    /// (gpg 2.3+'s default, or gpg 2.2's "future-default"): say so, and how to make a key that works.
    /// </summary>
    private static string UnsupportedAlgorithmHint(Exception ex) =>
        ex.Message.Contains("unknown", StringComparison.OrdinalIgnoreCase) && ex.Message.Contains("algorithm", StringComparison.OrdinalIgnoreCase)
            ? " Ed25519/Cv25519 keys (the default of gpg 2.3 and later) are not supported yet; create an RSA key for backups: " +
              "gpg --quick-gen-key 'Backups <backup@example.org>' rsa3072 sign,cert never, then gpg --quick-add-key <fingerprint> rsa3072 encr never."
            : "";

    public static string KeyId(long id) => id.ToString("X16");

    private static string UserIdOf(IEnumerable<PgpPublicKey> ring) =>
        ring.Where(k => k.IsMasterKey).SelectMany(k => k.GetUserIds().OfType<string>()).FirstOrDefault() ?? "no user id";

    private static bool IsUsableEncryptionKey(PgpPublicKey key)
    {
        if (!key.IsEncryptionKey || key.IsRevoked()) return false;
        var valid = key.GetValidSeconds();
        return valid == 0 || key.CreationTime.AddSeconds(valid) > DateTime.UtcNow;
    }

    /// <summary>The secret keys given for decryption, in one list (several files and several keys per file allowed).</summary>
    public static List<(PgpSecretKey Key, string Source)> LoadSecretKeys(IEnumerable<string> privateKeys)
    {
        var keys = new List<(PgpSecretKey, string)>();
        foreach (var value in privateKeys)
        {
            if (string.IsNullOrWhiteSpace(value))
                throw new BackupToolsException(ErrorIds.PrivateKeyInvalid, ErrorKind.InvalidArgument,
                    "A -PrivateKey is empty. Give a secret key file path (gpg --export-secret-keys) or the armored secret key.", null);
            var bytes = Read(value, ErrorIds.PrivateKeyInvalid, "Private key file");
            try
            {
                var bundle = new PgpSecretKeyRingBundle(PgpUtilities.GetDecoderStream(new MemoryStream(bytes)));
                foreach (PgpSecretKeyRing ring in bundle.GetKeyRings())
                    foreach (PgpSecretKey key in ring.GetSecretKeys())
                        keys.Add((key, Describe(value)));
            }
            catch (Exception ex) when (ex is PgpException or IOException or ArgumentException or InvalidCastException)
            {
                throw new BackupToolsException(ErrorIds.PrivateKeyInvalid, ErrorKind.InvalidArgument,
                    $"Private key {Describe(value)} is not an OpenPGP secret key this version can use ({ex.Message}).{UnsupportedAlgorithmHint(ex)} " +
                    "Export a key with: gpg --export-secret-keys --armor <key id>.", null, ex);
            }
            if (keys.Count == 0)
                throw new BackupToolsException(ErrorIds.PrivateKeyInvalid, ErrorKind.InvalidArgument,
                    $"Private key {Describe(value)} holds no secret key.", null);
        }
        return keys;
    }
}
