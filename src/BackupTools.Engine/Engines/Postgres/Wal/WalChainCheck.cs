namespace BackupTools.Engines.Postgres.Wal;

/// <summary>
/// Walks the segments a recovery from a base backup would read, in order: from the start segment on the start
/// timeline, through every timeline switch recorded in the archived .history files, to the stop segment (or the
/// newest archived one). Stops at the first file that is missing, unreadable, corrupt (stored SHA-256 or size differs
/// from its entry) or present only on a timeline outside that history.
/// </summary>
internal sealed class WalChainCheck(WalArchive archive, WalStore wal, WalChainRequest request)
{
    private readonly long _segmentSize = WalFileName.CheckSegmentSize(request.SegmentSize);
    private int _checked;
    private long _bytes;

    public async Task<WalChainResult> RunAsync(CancellationToken ct)
    {
        if (!request.Start.HasSegment)
            throw new ArgumentException("The start of a WAL chain is a segment.", nameof(request));
        var objects = await wal.ListAsync(null, ct).ConfigureAwait(false);
        var names = new HashSet<string>(objects.Select(o => o.Name), StringComparer.Ordinal);
        bool Archived(string walName) => names.Contains(WalEntry.EntryNameOf(walName));

        // The timeline to recover along: the newest whose history includes the start timeline.
        var history = new WalTimelineHistory(request.Timeline, Array.Empty<WalTimelineSwitch>());
        var historyFiles = objects.Select(o => WalArchive.WalNameOf(o.Name)).Distinct()
            .Where(n => n is not null && n.EndsWith(".history", StringComparison.Ordinal) && Archived(n))
            .Select(n => WalFileName.Parse(n!))
            .Where(h => h.Timeline > request.Timeline)
            .OrderByDescending(h => h.Timeline)
            .ToList();
        if (request.FollowTimelines)
        {
            foreach (var h in historyFiles)
            {
                var (parsed, problem) = await ReadHistoryAsync(h, ct).ConfigureAwait(false);
                if (problem is not null) return problem;
                if (parsed!.Includes(request.Timeline)) { history = parsed; break; }
            }
        }
        // From the start timeline on (a base backup never needs its timeline's ancestors).
        var path = history.Path(_segmentSize).SkipWhile(p => p.Timeline != request.Timeline).ToList();
        if (path.Count == 0) path.Add((request.Timeline, 0, ulong.MaxValue));
        var timelines = path.Select(p => p.Timeline).ToList();

        // Newest timeline first: PostgreSQL reads a switch segment from the newer timeline when both have it.
        var candidates = path.AsEnumerable().Reverse().ToList();
        IEnumerable<uint> TimelinesFor(ulong segment) => candidates
            .Where(c => segment <= c.LastSegment && (segment >= c.FirstSegment || c.Timeline == request.Timeline))
            .Select(c => c.Timeline);

        var start = request.Start.SegmentNumber(_segmentSize);
        var stop = request.Stop?.SegmentNumber(_segmentSize) ?? NewestArchived(names, candidates, start);
        var onTimeline = new Dictionary<ulong, List<string>>();
        foreach (var o in objects)
        {
            if (o.Name.Length != 24 + WalEntry.Suffix.Length || !o.Name.EndsWith(WalEntry.Suffix, StringComparison.Ordinal)) continue;
            if (!WalFileName.TryParse(o.Name[..24], out var seg)) continue;
            var n = seg.SegmentNumber(_segmentSize);
            if (!onTimeline.TryGetValue(n, out var l)) onTimeline[n] = l = new List<string>();
            l.Add(seg.Name);
        }

        string? last = null;
        for (var n = start; n <= stop; n++)
        {
            ct.ThrowIfCancellationRequested();
            string? found = null;
            foreach (var tli in TimelinesFor(n))
            {
                var name = WalFileName.Segment(tli, n, _segmentSize).Name;
                if (Archived(name)) { found = name; break; }
            }
            if (found is null)
            {
                var expected = WalFileName.Segment(TimelinesFor(n).First(), n, _segmentSize).Name;
                var elsewhere = onTimeline.TryGetValue(n, out var others) ? others.FirstOrDefault(o => !timelines.Contains(WalFileName.Parse(o).Timeline)) : null;
                return elsewhere is not null
                    ? Fail(WalChainProblem.WrongTimeline, elsewhere, ErrorIds.WalTimelineMismatch,
                        $"segment {expected} is not archived; only {elsewhere} is, on timeline {WalFileName.Parse(elsewhere).Timeline}, which is not in the history of timeline {request.Timeline} (timelines {string.Join(", ", timelines)})",
                        request.Start.Name, last, timelines)
                    : Fail(WalChainProblem.Missing, expected, ErrorIds.WalSegmentMissing,
                        $"segment {expected} is not archived{(last is null ? "" : $" (the chain is unbroken up to {last})")}", request.Start.Name, last, timelines);
            }
            if (await CheckFileAsync(found, ct).ConfigureAwait(false) is { } bad) return bad with { FirstSegment = request.Start.Name, LastSegment = last, Timelines = timelines };
            last = found;
            if (_checked % 64 == 0)
                request.Observer.Progress(new OperationProgress("Checking WAL chain", found, (long)(n - start + 1), (long)(stop - start + 1)));
        }
        return new WalChainResult
        {
            Problem = WalChainProblem.None,
            Detail = last is null ? "no segment needed" : $"{_checked} file(s) from {request.Start.Name} to {last} archived{(request.VerifyChecksums ? " and intact" : "")}",
            FirstSegment = request.Start.Name,
            LastSegment = last,
            SegmentsChecked = _checked,
            BytesChecked = _bytes,
            Timelines = timelines,
        };
    }

    /// <summary>The newest segment number archived on a timeline that may serve it; the start itself when none is.</summary>
    private ulong NewestArchived(HashSet<string> names, List<(uint Timeline, ulong FirstSegment, ulong LastSegment)> candidates, ulong start)
    {
        var newest = start;
        foreach (var entry in names)
        {
            if (entry.Length != 24 + WalEntry.Suffix.Length || !entry.EndsWith(WalEntry.Suffix, StringComparison.Ordinal)) continue;
            if (!WalFileName.TryParse(entry[..24], out var seg)) continue;
            var n = seg.SegmentNumber(_segmentSize);
            if (n > newest && candidates.Any(c => c.Timeline == seg.Timeline && n >= c.FirstSegment && n <= c.LastSegment)) newest = n;
        }
        return newest;
    }

    private async Task<(WalTimelineHistory?, WalChainResult?)> ReadHistoryAsync(WalFileName file, CancellationToken ct)
    {
        if (await CheckFileAsync(file.Name, ct).ConfigureAwait(false) is { } bad) return (null, bad);
        try
        {
            var entry = await archive.ReadEntryAsync(file.Name, ct).ConfigureAwait(false);
            var content = await archive.ReadSmallAsync(entry!, request.Encryption, ct).ConfigureAwait(false);
            return (WalTimelineHistory.Parse(file.Timeline, content), null);
        }
        catch (FormatException ex)
        {
            return (null, Fail(WalChainProblem.Unreadable, file.Name, ErrorIds.WalSegmentUnreadable, $"timeline history file {file.Name} is not valid: {ex.Message}", null, null, Array.Empty<uint>()));
        }
        catch (BackupToolsException ex) when (ex.ErrorId is not ErrorIds.OperationCancelled)
        {
            return (null, Fail(ex.Kind == ErrorKind.InvalidData ? WalChainProblem.Corrupt : WalChainProblem.Unreadable, file.Name,
                ex.Kind == ErrorKind.InvalidData ? ErrorIds.WalSegmentCorrupt : ErrorIds.WalSegmentUnreadable,
                $"timeline history file {file.Name} cannot be read: {ex.Message}", null, null, Array.Empty<uint>()));
        }
    }

    /// <summary>Checks one archived file: entry readable, data object present with the recorded size and SHA-256.</summary>
    private async Task<WalChainResult?> CheckFileAsync(string name, CancellationToken ct)
    {
        WalEntry? entry;
        try
        {
            entry = await archive.ReadEntryAsync(name, ct).ConfigureAwait(false);
        }
        catch (BackupToolsException ex) when (ex.ErrorId == ErrorIds.WalSegmentUnreadable)
        {
            return Fail(WalChainProblem.Unreadable, name, ErrorIds.WalSegmentUnreadable, ex.Message, null, null, Array.Empty<uint>());
        }
        if (entry is null) return Fail(WalChainProblem.Missing, name, ErrorIds.WalSegmentMissing, $"{name} is not archived", null, null, Array.Empty<uint>());
        _checked++;
        if (!request.VerifyChecksums) return null;
        await using var raw = await wal.TryOpenReadAsync(entry.StoredName, ct).ConfigureAwait(false);
        if (raw is null)
            return Fail(WalChainProblem.Unreadable, name, ErrorIds.WalSegmentUnreadable, $"{name} is recorded but its data object {entry.StoredName} is missing", null, null, Array.Empty<uint>());
        await using var hashing = new Pipeline.HashingStream(raw, leaveOpen: true);
        try
        {
            await hashing.DrainAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or BackupToolsException { Kind: not ErrorKind.OperationStopped })
        {
            return Fail(WalChainProblem.Unreadable, name, ErrorIds.WalSegmentUnreadable, $"{name} cannot be read: {ex.Message}", null, null, Array.Empty<uint>());
        }
        _bytes += hashing.BytesProcessed;
        if (hashing.BytesProcessed != entry.Stored.StoredBytes || !string.Equals(hashing.HashHex, entry.Stored.Sha256, StringComparison.OrdinalIgnoreCase))
            return Fail(WalChainProblem.Corrupt, name, ErrorIds.WalSegmentCorrupt,
                $"{name} is corrupt: its stored object {entry.StoredName} has {hashing.BytesProcessed} bytes, sha256 {hashing.HashHex}; " +
                $"it was archived with {entry.Stored.StoredBytes} bytes, sha256 {entry.Stored.Sha256}", null, null, Array.Empty<uint>());
        return null;
    }

    private WalChainResult Fail(WalChainProblem problem, string file, string errorId, string detail, string? first, string? last, IReadOnlyList<uint> timelines) => new()
    {
        Problem = problem,
        FirstBadFile = file,
        ErrorId = errorId,
        Detail = $"WAL archive '{archive.Location}': {detail}.",
        FirstSegment = first,
        LastSegment = last,
        SegmentsChecked = _checked,
        BytesChecked = _bytes,
        Timelines = timelines,
    };
}
