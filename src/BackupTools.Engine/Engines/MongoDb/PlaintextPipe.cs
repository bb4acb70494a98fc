using System.IO.Pipes;
using BackupTools.Pipeline;

namespace BackupTools.Engines.MongoDb;

/// <summary>
/// A stored artifact as a readable plaintext stream: the pipeline (decrypt, decompress, hash check) writes into one
/// end of an in-process pipe on its own task while the archive reader parses the other, so nothing is buffered whole.
/// </summary>
internal sealed class PlaintextPipe : IAsyncDisposable
{
    private readonly AnonymousPipeServerStream _writeSide = new(PipeDirection.Out, HandleInheritability.None, ArtifactWriter.BufferSize);
    private readonly AnonymousPipeClientStream _readSide;

    public PlaintextPipe(EngineReadContext context, CancellationToken ct)
    {
        _readSide = new AnonymousPipeClientStream(PipeDirection.In, _writeSide.ClientSafePipeHandle);
        Reader = new BufferedStream(_readSide, ArtifactWriter.BufferSize);
        var artifact = context.Manifest.MainArtifact;
        Copying = Task.Run(async () =>
        {
            try { await ArtifactReader.CopyPlaintextAsync(context, artifact, _writeSide, ct).ConfigureAwait(false); }
            finally { _writeSide.Dispose(); } // the reader sees the end
        }, ct);
    }

    public Stream Reader { get; }

    /// <summary>The pipeline's task: its error (a checksum or decryption failure) explains a damaged-looking archive.</summary>
    public Task Copying { get; }

    public async ValueTask DisposeAsync()
    {
        await Reader.DisposeAsync().ConfigureAwait(false); // unblocks a copy still writing
        try { await Copying.ConfigureAwait(false); }
        catch (Exception) when (!Copying.IsCompletedSuccessfully) { /* the caller awaited it already where it mattered */ }
        _writeSide.Dispose();
    }
}
