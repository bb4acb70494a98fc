using System.Security.Cryptography;
using System.Text;

namespace BackupTools.TestTools.MongoListener;

/// <summary>
/// The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677), checked against a PostgreSQL role's stored
/// verifier. MongoDB's SCRAM-SHA-256 salts the SASLprep'd password exactly as PostgreSQL does, so the verifier in
/// pg_authid.rolpassword (<c>SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey</c>) checks a MongoDB client's proof.
/// The server never sees the password.
/// </summary>
internal sealed class ScramConversation
{
    readonly string clientFirstBare;
    readonly string serverFirst;
    readonly string nonce;
    readonly ScramVerifier? verifier;

    ScramConversation(string user, string clientFirstBare, string serverFirst, string nonce, ScramVerifier? verifier)
    {
        User = user;
        this.clientFirstBare = clientFirstBare;
        this.serverFirst = serverFirst;
        this.nonce = nonce;
        this.verifier = verifier;
    }

    public string User { get; }

    /// <summary>Answers the client-first message. An unknown user gets a made-up salt, so the failure comes with the
    /// proof, as on a real server: the client cannot tell an unknown user from a wrong password.</summary>
    public static async Task<(ScramConversation Conversation, string ServerFirst)> StartAsync(string clientFirst, Func<string, Task<ScramVerifier?>> verifierOf)
    {
        var bare = Bare(clientFirst);
        var user = Unescape(Attribute(bare, 'n') ?? throw new AuthenticationFailure("SCRAM client-first message names no user"));
        var verifier = await verifierOf(user);
        var clientNonce = Attribute(bare, 'r') ?? throw new AuthenticationFailure("SCRAM client-first message has no nonce");
        var nonce = clientNonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        var salt = verifier?.Salt ?? RandomNumberGenerator.GetBytes(16);
        var iterations = verifier?.Iterations ?? 4096;
        var serverFirst = $"r={nonce},s={Convert.ToBase64String(salt)},i={iterations}";
        return (new ScramConversation(user, bare, serverFirst, nonce, verifier), serverFirst);
    }

    /// <summary>Checks the client-final message's proof; returns the server-final message ("v=signature").</summary>
    public string Finish(string clientFinal)
    {
        var proofAt = clientFinal.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0) throw new AuthenticationFailure("SCRAM client-final message has no proof");
        var withoutProof = clientFinal[..proofAt];
        if (Attribute(withoutProof, 'r') != nonce) throw new AuthenticationFailure("SCRAM nonce mismatch");
        if (verifier is null) throw new AuthenticationFailure($"no such user: {User}");
        var proof = Convert.FromBase64String(clientFinal[(proofAt + 3)..]);
        var authMessage = Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}");
        var clientSignature = HMACSHA256.HashData(verifier.StoredKey, authMessage);
        if (proof.Length != clientSignature.Length) throw new AuthenticationFailure("SCRAM proof of the wrong length");
        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++) clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), verifier.StoredKey))
            throw new AuthenticationFailure($"wrong proof for user {User}");
        return "v=" + Convert.ToBase64String(HMACSHA256.HashData(verifier.ServerKey, authMessage));
    }

    /// <summary>The client-first message without its GS2 header ("n,," — no channel binding, no authzid).</summary>
    static string Bare(string clientFirst)
    {
        var parts = clientFirst.Split(',', 3);
        if (parts.Length < 3 || parts[0] != "n") throw new AuthenticationFailure("SCRAM client-first message without the 'n,,' header");
        return parts[2];
    }

    static string? Attribute(string message, char name) =>
        message.Split(',').FirstOrDefault(p => p.Length >= 2 && p[0] == name && p[1] == '=')?[2..];

    static string Unescape(string saslName) => saslName.Replace("=2C", ",").Replace("=3D", "=");
}

/// <summary>A PostgreSQL SCRAM-SHA-256 verifier: <c>SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey</c>.</summary>
internal sealed record ScramVerifier(int Iterations, byte[] Salt, byte[] StoredKey, byte[] ServerKey)
{
    public static ScramVerifier? Parse(string? rolpassword)
    {
        if (rolpassword is null || !rolpassword.StartsWith("SCRAM-SHA-256$", StringComparison.Ordinal)) return null;
        var parts = rolpassword["SCRAM-SHA-256$".Length..].Split('$');
        if (parts.Length != 2) return null;
        var head = parts[0].Split(':');
        var keys = parts[1].Split(':');
        if (head.Length != 2 || keys.Length != 2) return null;
        return new ScramVerifier(int.Parse(head[0]), Convert.FromBase64String(head[1]), Convert.FromBase64String(keys[0]), Convert.FromBase64String(keys[1]));
    }
}

/// <summary>An authentication that fails: MongoDB's code 18. The reason stays in the listener's log, never in the reply.</summary>
internal sealed class AuthenticationFailure(string reason) : Exception(reason);
