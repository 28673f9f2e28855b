using System.Runtime.InteropServices;
using System.Text.Json;
using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Search;

/// <summary>
/// A persistent, searchable set of embeddings with their labels, class names and item ids, the measure they are
/// compared with, and the fingerprint of the model that made them. Two kinds share this type: exact
/// (<see cref="IndexKind.Exact"/>, the blocked <see cref="ExactKnn"/> search) and HNSW (<see cref="IndexKind.Hnsw"/>,
/// USearch); see <see cref="Build"/>, <see cref="Open"/>, <see cref="Add"/>, <see cref="Search"/> and <see cref="Save(string)"/>.
/// </summary>
/// <remarks>
/// <para><b>Folder.</b> <c>index.json</c> (format, kind, count, dimension, measure, model fingerprint, HNSW settings,
/// and every file's size and SHA-256), <c>embeddings.f32</c> (count × dimension little-endian float32, row-major, as
/// given: not normalised), <c>labels.i32</c> (little-endian int32 class indices), <c>classes.json</c> and
/// <c>ids.json</c> (JSON string arrays) and, for HNSW, <c>graph.usearch</c> (USearch's own file). Saving writes a new
/// folder beside the old one and swaps it in, so the folder is complete or absent. Other files in the folder (such as
/// <c>calibration.json</c>) are carried over on every save.</para>
/// <para><b>Distances.</b> Every reported distance is the index measure computed exactly (HNSW only proposes the
/// candidates), ordered nearest first and, for equal distances, by lower position.</para>
/// <para><b>Threads.</b> Searching from several threads at once is safe; <see cref="Add"/> and <see cref="Save(string)"/> are not.</para>
/// </remarks>
public abstract class EmbeddingIndex : IDisposable
{
    /// <summary>The <c>format</c> value of <c>index.json</c>.</summary>
    public const string FormatName = "tripletsharp-index";

    /// <summary>The folder format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The manifest file of an index folder.</summary>
    public const string ManifestFileName = IndexFolder.Manifest;

    private readonly List<string> _classNames;
    private readonly List<long> _labels;
    private readonly List<string> _ids;
    private string? _generation;

    private protected EmbeddingIndex(RowStore rows, IEnumerable<long> labels, IEnumerable<string> classNames, IEnumerable<string> ids, BaseDistance measure, string fingerprint)
    {
        Rows = rows;
        _labels = labels.ToList();
        _classNames = classNames.ToList();
        _ids = ids.ToList();
        Measure = measure;
        ModelFingerprint = fingerprint;
    }

    /// <summary>Exact or HNSW.</summary>
    public abstract IndexKind Kind { get; }

    /// <summary>Number of items.</summary>
    public int Count => Rows.Count;

    /// <summary>Embedding dimension.</summary>
    public int Dimension => Rows.Dimension;

    /// <summary>The measure items are compared with.</summary>
    public BaseDistance Measure { get; }

    /// <summary>The measure's name (<c>euclidean</c>, <c>squared-euclidean</c>, <c>cosine</c>, <c>dot</c>).</summary>
    public string MeasureName => Measure.Name;

    /// <summary>SHA-256 fingerprint of the model that made the embeddings (see <c>ModelFingerprint</c>).</summary>
    public string ModelFingerprint { get; }

    /// <summary>Class names, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames => _classNames;

    /// <summary>Class index of every item, by position.</summary>
    public IReadOnlyList<long> Labels => _labels;

    /// <summary>Id of every item (file path or record id), by position.</summary>
    public IReadOnlyList<string> ItemIds => _ids;

    /// <summary>HNSW settings (a copy); null for an exact index.</summary>
    public abstract HnswOptions? Hnsw { get; }

    /// <summary>The folder this index was opened from or last saved to, if any.</summary>
    public string? Path { get; private set; }

    private protected RowStore Rows { get; }

    /// <summary>Builds an index of <paramref name="embeddings"/> in memory (call <see cref="Save(string)"/> to write it).</summary>
    /// <param name="embeddings">N×D finite embeddings (any device and floating type; stored as float32), N ≥ 1.</param>
    /// <param name="labels">Class index of every row, into <paramref name="classNames"/>.</param>
    /// <param name="classNames">Class names.</param>
    /// <param name="itemIds">Id of every row.</param>
    /// <param name="measure">One of the built-in measures.</param>
    /// <param name="modelFingerprint">Fingerprint of the model that made the embeddings (non-empty).</param>
    /// <param name="kind">Exact or HNSW.</param>
    /// <param name="hnsw">HNSW settings (defaults when null); ignored for exact.</param>
    public static EmbeddingIndex Build(Tensor embeddings, IReadOnlyList<long> labels, IReadOnlyList<string> classNames, IReadOnlyList<string> itemIds,
        BaseDistance measure, string modelFingerprint, IndexKind kind = IndexKind.Exact, HnswOptions? hnsw = null)
    {
        IndexMeasure.Check(measure, nameof(measure));
        Guard.NotNull(modelFingerprint, nameof(modelFingerprint));
        if (string.IsNullOrWhiteSpace(modelFingerprint)) throw new ArgumentException($"'{nameof(modelFingerprint)}' must not be empty.", nameof(modelFingerprint));
        Guard.NotNull(classNames, nameof(classNames));
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, $"'{nameof(kind)}' is not a known index kind: {kind}.");
        var data = Flatten(embeddings, nameof(embeddings), null);
        int n = (int)embeddings.shape[0], dim = (int)embeddings.shape[1];
        if (n == 0) throw new ArgumentException($"'{nameof(embeddings)}' has no rows; an index needs at least one item.", nameof(embeddings));
        CheckItems(n, labels, itemIds, classNames.Count);
        var rows = RowStore.InMemory(data, n, dim);
        if (kind == IndexKind.Exact) return new ExactIndex(rows, labels, classNames, itemIds, measure, modelFingerprint);
        var options = (hnsw ?? new HnswOptions()) with { };
        options.Validate();
        if (options.Scalar == HnswScalar.I8 && !IndexMeasure.Normalizes(measure))
            throw new ArgumentException($"HNSW scalar i8 needs L2-normalised vectors (cosine, or a measure with normalize on); '{IndexMeasure.Describe(measure)}' is not normalised. Use f32 or f16.", nameof(hnsw));
        return HnswIndex.Create(rows, labels, classNames, itemIds, measure, modelFingerprint, options);
    }

    /// <summary>Opens an index folder, checking its manifest, every file's size and (by default) SHA-256 before use.</summary>
    /// <exception cref="IndexFormatException">The folder or a file is missing, truncated, corrupted or inconsistent (names the file).</exception>
    public static EmbeddingIndex Open(string folder, IndexOpenOptions? options = null)
    {
        Guard.NotNull(folder, nameof(folder));
        options ??= new IndexOpenOptions();
        if (options.ExpansionSearch is { } ef) Guard.Positive(ef, nameof(options.ExpansionSearch));
        var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(folder));
        if (File.Exists(full)) throw new IndexFormatException(folder, "is a file; an index is a folder that holds index.json.");
        // A writer may swap the folder while we read it: then the manifest we started from is no longer there, and the
        // open is retried on the new folder (a few times, briefly).
        for (int attempt = 0; ; attempt++)
        {
            var before = IndexFolder.ReadManifestBytes(full);
            if (before is null)
            {
                if (attempt < 50 && IndexFolder.SwapPending(full)) { Thread.Sleep(20); continue; }
                if (!Directory.Exists(full)) throw new IndexFormatException(folder, "no such index folder.");
                throw new IndexFormatException(System.IO.Path.Combine(folder, IndexFolder.Manifest), "missing: the folder is not an index, or saving it never finished.");
            }
            EmbeddingIndex? index = null;
            try
            {
                var m = IndexFolder.Check(folder, full, before, options.Verify);
                index = Load(folder, full, m, options);
                if (!Unchanged(full, before)) throw new IndexReplacedException();
                index._generation = m.Generation;
                index.Path = full;
                return index;
            }
            catch (Exception e) when (attempt < 50 && e is IOException or IndexFormatException or IndexReplacedException or InvalidOperationException && !Unchanged(full, before))
            {
                index?.Dispose();
                Thread.Sleep(10);
            }
            catch
            {
                index?.Dispose();
                throw;
            }
        }
    }

    private sealed class IndexReplacedException : Exception;

    private static bool Unchanged(string full, byte[] before)
    {
        var now = IndexFolder.ReadManifestBytes(full);
        return now is not null && now.AsSpan().SequenceEqual(before);
    }

    private static EmbeddingIndex Load(string folder, string full, IndexManifest m, IndexOpenOptions options)
    {
        string P(string name) => System.IO.Path.Combine(full, name);
        var measure = IndexMeasure.Create(m.Measure!, m.NormalizeEmbeddings);
        var classes = ReadJson<string[]>(folder, P(IndexFolder.Classes), IndexFolder.Classes);
        var ids = ReadJson<string[]>(folder, P(IndexFolder.Ids), IndexFolder.Ids);
        if (ids.Length != m.Count) throw new IndexFormatException(System.IO.Path.Combine(folder, IndexFolder.Ids), $"holds {ids.Length} ids but the index has {m.Count} items.");
        var labelBytes = File.ReadAllBytes(P(IndexFolder.Labels));
        var labels = MemoryMarshal.Cast<byte, int>(labelBytes).ToArray();
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classes.Length)
                throw new IndexFormatException(System.IO.Path.Combine(folder, IndexFolder.Labels), $"label {labels[i]} of item {i} is not a class index in [0, {classes.Length}).");
        }
        var longLabels = labels.Select(l => (long)l).ToArray();
        bool mapped = m.Kind == IndexKind.Hnsw && options.View;
        RowStore rows;
        if (mapped)
        {
            rows = RowStore.Mapped(P(IndexFolder.Embeddings), m.Count, m.Dimension);
        }
        else
        {
            var data = new float[(long)m.Count * m.Dimension];
            using (var fs = new FileStream(P(IndexFolder.Embeddings), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                fs.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
            rows = RowStore.InMemory(data, m.Count, m.Dimension);
        }
        try
        {
            if (m.Kind == IndexKind.Exact) return new ExactIndex(rows, longLabels, classes, ids, measure, m.ModelFingerprint!);
            var hnsw = m.Hnsw!;
            hnsw.Validate();
            if (options.ExpansionSearch is { } ef) hnsw = hnsw with { ExpansionSearch = ef };
            return HnswIndex.Open(rows, longLabels, classes, ids, measure, m.ModelFingerprint!, hnsw, P(IndexFolder.Graph), System.IO.Path.Combine(folder, IndexFolder.Graph), options.View);
        }
        catch
        {
            rows.Dispose();
            throw;
        }
    }

    private static T ReadJson<T>(string folder, string path, string name)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), IndexFolder.Json) ?? throw new JsonException("the file holds 'null'.");
        }
        catch (JsonException e)
        {
            throw new IndexFormatException(System.IO.Path.Combine(folder, name), $"not valid ({e.Message})", e);
        }
    }

    /// <summary>Appends items (in memory; <see cref="Save()"/> writes them). Positions continue from <see cref="Count"/>.</summary>
    /// <param name="embeddings">M×D embeddings of the same dimension.</param>
    /// <param name="labels">Class index of every new row.</param>
    /// <param name="itemIds">Id of every new row.</param>
    /// <param name="classNames">The full class list, when new classes come with these items: must start with the current <see cref="ClassNames"/>.</param>
    public void Add(Tensor embeddings, IReadOnlyList<long> labels, IReadOnlyList<string> itemIds, IReadOnlyList<string>? classNames = null)
    {
        var data = Flatten(embeddings, nameof(embeddings), Dimension, allowEmpty: true);
        int n = (int)embeddings.shape[0];
        if (classNames is not null)
        {
            if (classNames.Count < _classNames.Count || !classNames.Take(_classNames.Count).SequenceEqual(_classNames))
                throw new ArgumentException($"'{nameof(classNames)}' must start with the index's {_classNames.Count} class names, in order.", nameof(classNames));
        }
        int classCount = classNames?.Count ?? _classNames.Count;
        CheckItems(n, labels, itemIds, classCount);
        if ((long)Count + n > int.MaxValue) throw new InvalidOperationException($"An index holds at most {int.MaxValue} items.");
        if (n == 0) return;
        int first = Count;
        Rows.Append(data);
        try
        {
            OnAdded(first, n);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException("Adding to the search structure failed; this in-memory index is now inconsistent: open it again from its folder.", e);
        }
        _labels.AddRange(labels);
        _ids.AddRange(itemIds);
        if (classNames is not null) _classNames.AddRange(classNames.Skip(_classNames.Count));
    }

    /// <summary>The <paramref name="k"/> nearest items of every query row, nearest first.</summary>
    /// <param name="queries">Q×D finite queries of the index's dimension; Q may be 0 (the result is then empty).</param>
    /// <param name="k">Neighbours per query (≥ 1). Larger than <see cref="Count"/>: clamped to <see cref="Count"/>.</param>
    public SearchHit[][] Search(Tensor queries, int k)
    {
        Guard.Positive(k, nameof(k));
        var data = Flatten(queries, nameof(queries), Dimension, allowEmpty: true);
        int q = (int)queries.shape[0];
        if (q == 0) return [];
        int kk = Math.Min(k, Count);
        var positions = new int[(long)q * kk];
        var distances = new double[(long)q * kk];
        SearchCore(data, q, kk, positions, distances);
        var result = new SearchHit[q][];
        for (int i = 0; i < q; i++)
        {
            var hits = new SearchHit[kk];
            for (int j = 0; j < kk; j++)
            {
                int p = positions[(long)i * kk + j];
                long label = _labels[p];
                hits[j] = new SearchHit(p, _ids[p], label, _classNames[(int)label], distances[(long)i * kk + j]);
            }
            result[i] = hits;
        }
        return result;
    }

    /// <summary>Throws <see cref="IndexMismatchException"/> unless the index was made by the model with <paramref name="modelFingerprint"/>, of <paramref name="dimension"/>, with <paramref name="measure"/>.</summary>
    public void CheckCompatible(string modelFingerprint, int dimension, BaseDistance measure)
    {
        Guard.NotNull(modelFingerprint, nameof(modelFingerprint));
        Guard.NotNull(measure, nameof(measure));
        var where = Path is null ? "the index" : $"the index at {Path}";
        if (!string.Equals(modelFingerprint, ModelFingerprint, StringComparison.OrdinalIgnoreCase))
            throw new IndexMismatchException($"{where} was built by model {ModelFingerprint}, but the model in use is {modelFingerprint}; rebuild the index with this model.");
        if (dimension != Dimension)
            throw new IndexMismatchException($"{where} holds {Dimension}-d embeddings, but the model in use makes {dimension}-d ones (index model {ModelFingerprint}, model in use {modelFingerprint}).");
        if (!Measure.SameMeasure(measure))
            throw new IndexMismatchException($"{where} uses the measure {IndexMeasure.Describe(Measure)}, but {IndexMeasure.Describe(measure)} was asked for (index model {ModelFingerprint}, model in use {modelFingerprint}).");
    }

    /// <summary>Writes the index into <paramref name="folder"/>, replacing it as a whole (complete or absent, never half-written).</summary>
    /// <exception cref="InvalidOperationException">The folder is where this index was opened from and another writer replaced it since.</exception>
    public void Save(string folder)
    {
        Guard.NotNull(folder, nameof(folder));
        var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(folder));
        if (Path is not null && _generation is not null && string.Equals(full, Path, StringComparison.Ordinal))
        {
            var now = IndexFolder.ReadManifestBytes(full);
            string? current = null;
            if (now is not null)
            {
                try { current = JsonSerializer.Deserialize<IndexManifest>(now, IndexFolder.Json)?.Generation; }
                catch (JsonException) { }
            }
            if (now is not null && current != _generation)
                throw new InvalidOperationException($"{folder}: the index was replaced by another writer after it was opened; open it again and repeat the change.");
        }
        var generation = Guid.NewGuid().ToString("N");
        var manifest = new IndexManifest
        {
            Format = FormatName,
            FormatVersion = FormatVersion,
            Kind = Kind,
            Count = Count,
            Dimension = Dimension,
            Measure = Measure.Name,
            NormalizeEmbeddings = Measure.NormalizeEmbeddings,
            ModelFingerprint = ModelFingerprint,
            Hnsw = Hnsw,
            Generation = generation,
            SavedUtc = DateTime.UtcNow.ToString("O"),
        };
        var files = new List<(string, Action<string>)>
        {
            (IndexFolder.Embeddings, p => AtomicFile.Write(p, Rows.WriteTo)),
            (IndexFolder.Labels, p => AtomicFile.WriteAllBytes(p, MemoryMarshal.AsBytes(_labels.Select(l => (int)l).ToArray().AsSpan()).ToArray())),
            (IndexFolder.Classes, p => AtomicFile.WriteAllText(p, JsonSerializer.Serialize(_classNames, IndexFolder.Json) + "\n")),
            (IndexFolder.Ids, p => AtomicFile.WriteAllText(p, JsonSerializer.Serialize(_ids, IndexFolder.Json) + "\n")),
        };
        AddFiles(files);
        IndexFolder.Write(full, manifest, files);
        Path = full;
        _generation = generation;
    }

    /// <summary>Writes the index back into the folder it was opened from or last saved to.</summary>
    public void Save()
    {
        if (Path is null) throw new InvalidOperationException("This index has no folder yet; call Save(folder).");
        Save(Path);
    }

    /// <summary>Adds the kind's own files (the HNSW graph) to what <see cref="Save(string)"/> writes.</summary>
    private protected virtual void AddFiles(List<(string Name, Action<string> Write)> files) { }

    /// <summary>Updates the search structure after rows [first, first + count) were appended to <see cref="Rows"/>.</summary>
    private protected abstract void OnAdded(int first, int count);

    /// <summary>Fills q×k positions and distances (nearest first, ties by lower position) for the prepared float32 queries.</summary>
    private protected abstract void SearchCore(float[] queries, int q, int k, int[] positions, double[] distances);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the search structure and the mapped files.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing) Rows.Dispose();
    }

    private static void CheckItems(int n, IReadOnlyList<long> labels, IReadOnlyList<string> itemIds, int classCount)
    {
        Guard.NotNull(labels, nameof(labels));
        Guard.NotNull(itemIds, nameof(itemIds));
        if (labels.Count != n) throw new ArgumentException($"'{nameof(labels)}' has {labels.Count} entries but there are {n} embeddings.", nameof(labels));
        if (itemIds.Count != n) throw new ArgumentException($"'{nameof(itemIds)}' has {itemIds.Count} entries but there are {n} embeddings.", nameof(itemIds));
        for (int i = 0; i < n; i++)
        {
            if (labels[i] < 0 || labels[i] >= classCount)
                throw new ArgumentException($"'{nameof(labels)}'[{i}] = {labels[i]} is not a class index in [0, {classCount}).", nameof(labels));
            if (itemIds[i] is null) throw new ArgumentException($"'{nameof(itemIds)}'[{i}] is null.", nameof(itemIds));
        }
    }

    /// <summary>Checks a 2-D finite tensor (of <paramref name="dim"/> columns when given) and copies it as row-major float32.</summary>
    private static float[] Flatten(Tensor x, string name, int? dim, bool allowEmpty = false)
    {
        Guard.Embeddings(x, name, allowEmpty: true);
        if (dim is { } d && x.shape[1] != d)
            throw new ArgumentException($"'{name}' has dimension {x.shape[1]} but the index has {d}.", name);
        if (x.shape[0] == 0)
        {
            if (!allowEmpty && dim is not null) throw new ArgumentException($"'{name}' has no rows.", name);
            return [];
        }
        using var scope = NewDisposeScope();
        var t = x.detach().to(ScalarType.Float32).cpu().contiguous();
        if (t.shape[0] > 0 && !t.isfinite().all().item<bool>())
            throw new ArgumentException($"'{name}' holds NaN or infinite values.", name);
        return t.data<float>().ToArray();
    }
}
