using TripletSharp.Evaluation;
using TripletSharp.Search;
using static TorchSharp.torch;

namespace TripletSharp.Serving;

/// <summary>
/// The served index: searches and matches read it concurrently (a read lock); additions are serialised, appended under
/// the write lock (so a search sees the index before or after an addition, never half of it) and then saved with
/// <see cref="EmbeddingIndex.Save()"/> (a new folder swapped in whole) before the request is answered. At most as
/// many searches and matches run at once as there are cores (<see cref="SearchAsync"/>, <see cref="MatchAsync"/>; the
/// others wait their turn without holding a thread): more would not finish sooner, since each search is already
/// parallel inside libtorch, but every one running holds its gallery-sized work buffers, so 32 connections
/// searching at once grew the process by 600 MiB.
/// </summary>
internal sealed class IndexStore : IDisposable
{
    private readonly EmbeddingIndex _index;
    private readonly ReaderWriterLockSlim _rw = new(LockRecursionPolicy.NoRecursion);
    private readonly Lock _addGate = new();
    private readonly HashSet<string> _ids;
    private readonly Matcher? _matcher;
    private readonly SemaphoreSlim _readers = new(Environment.ProcessorCount);
    private bool _dirty;

    public IndexStore(EmbeddingIndex index, double? threshold, string? thresholdSource)
    {
        _index = index;
        _ids = new HashSet<string>(index.ItemIds, StringComparer.Ordinal);
        Threshold = threshold;
        ThresholdSource = thresholdSource;
        if (threshold is { } t) _matcher = new Matcher(index, t);
    }

    public double? Threshold { get; }

    public string? ThresholdSource { get; }

    public EmbeddingIndex Index => _index;

    public int Count
    {
        get
        {
            _rw.EnterReadLock();
            try { return _index.Count; }
            finally { _rw.ExitReadLock(); }
        }
    }

    public async Task<SearchHit[]> SearchAsync(float[] embedding, int k, CancellationToken ct)
    {
        await _readers.WaitAsync(ct);
        try { return Search(embedding, k); }
        finally { _readers.Release(); }
    }

    public async Task<MatchResult> MatchAsync(float[] embedding, CancellationToken ct)
    {
        RequireMatcher();
        await _readers.WaitAsync(ct);
        try { return Match(embedding); }
        finally { _readers.Release(); }
    }

    private SearchHit[] Search(float[] embedding, int k)
    {
        _rw.EnterReadLock();
        try
        {
            using var scope = NewDisposeScope();
            return _index.Search(tensor(embedding, new long[] { 1, embedding.Length }), k)[0];
        }
        finally { _rw.ExitReadLock(); }
    }

    /// <summary>Throws the 409 answer when there is no threshold to match with.</summary>
    public Matcher RequireMatcher() => _matcher ?? throw new BadInputException("threshold",
        "no match threshold: the index folder has no calibration.json; calibrate one, or start the service with --threshold.", 409);

    private MatchResult Match(float[] embedding)
    {
        var matcher = RequireMatcher();
        _rw.EnterReadLock();
        try
        {
            using var scope = NewDisposeScope();
            return matcher.Match(tensor(embedding, new long[] { 1, embedding.Length }))[0];
        }
        finally { _rw.ExitReadLock(); }
    }

    /// <summary>Appends <paramref name="count"/> embeddings with their class names and ids, then saves the index; returns the new count and the ids given.</summary>
    public (int Count, string[] Ids) Add(float[] embeddings, int count, IReadOnlyList<string> labels, IReadOnlyList<string?> ids)
    {
        lock (_addGate)
        {
            var classes = _index.ClassNames.ToList();
            var labelIndex = new long[count];
            var newIds = new string[count];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < count; i++)
            {
                int c = classes.IndexOf(labels[i]);
                if (c < 0)
                {
                    c = classes.Count;
                    classes.Add(labels[i]);
                }
                labelIndex[i] = c;
                var id = ids[i] ?? $"added/{Guid.NewGuid():N}";
                if (_ids.Contains(id) || !seen.Add(id))
                    throw new BadInputException($"items[{i}].id", $"'{id}' is already in the index (ids are unique).", 409);
                newIds[i] = id;
            }
            _rw.EnterWriteLock();
            try
            {
                using var scope = NewDisposeScope();
                _index.Add(tensor(embeddings, new long[] { count, _index.Dimension }), labelIndex, newIds,
                    classes.Count > _index.ClassNames.Count ? classes : null);
                foreach (var id in newIds) _ids.Add(id);
                _dirty = true;
            }
            finally { _rw.ExitWriteLock(); }
            SaveLocked();
            return (_index.Count, newIds);
        }
    }

    /// <summary>Saves additions not yet on disk (after a failed save).</summary>
    public void Flush()
    {
        lock (_addGate)
        {
            if (_dirty) SaveLocked();
        }
    }

    private void SaveLocked()
    {
        _rw.EnterReadLock();
        try
        {
            _index.Save();
            _dirty = false;
        }
        finally { _rw.ExitReadLock(); }
    }

    public void Dispose()
    {
        _index.Dispose();
        _rw.Dispose();
        _readers.Dispose();
    }

    /// <summary>The threshold to match with: the explicit one, else the index folder's calibration, else the model folder's.</summary>
    public static (double? Threshold, string? Source) ResolveThreshold(EmbeddingIndex index, double? explicitThreshold, string? modelFolder)
    {
        if (explicitThreshold is { } t)
        {
            return (t, "--threshold");
        }
        if (index.Path is { } ip && File.Exists(Path.Combine(ip, CalibrationFile.FileName)))
            return (CalibrationFile.ReadFor(index).Threshold, Path.Combine(ip, CalibrationFile.FileName));
        if (modelFolder is not null && File.Exists(Path.Combine(modelFolder, CalibrationFile.FileName)))
        {
            var path = Path.Combine(modelFolder, CalibrationFile.FileName);
            return (CalibrationFile.ReadFor(index, path).Threshold, path);
        }
        return (null, null);
    }
}
