using Cloud.Unum.USearch;
using TripletSharp.Distances;

namespace TripletSharp.Search;

/// <summary>
/// The HNSW index: USearch proposes the k nearest candidates from its graph, whose distances are then re-measured
/// exactly from the stored float32 embeddings (so quantised graphs report exact distances too).
/// </summary>
internal sealed class HnswIndex : EmbeddingIndex
{
    private readonly HnswOptions _options;
    private IntPtr _handle;
    private bool _viewed;
    private FileStream? _graphFile;

    private HnswIndex(RowStore rows, IEnumerable<long> labels, IEnumerable<string> classNames, IEnumerable<string> ids, BaseDistance measure, string fingerprint, HnswOptions options)
        : base(rows, labels, classNames, ids, measure, fingerprint)
    {
        _options = options;
    }

    public override IndexKind Kind => IndexKind.Hnsw;

    public override HnswOptions? Hnsw => _options with { };

    public static HnswIndex Create(RowStore rows, IEnumerable<long> labels, IEnumerable<string> classNames, IEnumerable<string> ids, BaseDistance measure, string fingerprint, HnswOptions options)
    {
        var index = new HnswIndex(rows, labels, classNames, ids, measure, fingerprint, options);
        try
        {
            index._handle = UsearchNative.Init(index.NativeOptions());
            index.Insert(0, rows.Count);
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    public static HnswIndex Open(RowStore rows, IEnumerable<long> labels, IEnumerable<string> classNames, IEnumerable<string> ids, BaseDistance measure, string fingerprint,
        HnswOptions options, string graphPath, string shownPath, bool view)
    {
        var index = new HnswIndex(rows, labels, classNames, ids, measure, fingerprint, options);
        try
        {
            index._handle = UsearchNative.Init(index.NativeOptions());
            try
            {
                UsearchNative.Load(index._handle, graphPath, view);
            }
            catch (InvalidOperationException e)
            {
                throw new IndexFormatException(shownPath, $"USearch could not read the graph ({e.Message}).", e);
            }
            long size = UsearchNative.Size(index._handle), dims = UsearchNative.Dimensions(index._handle);
            if (size != rows.Count || dims != rows.Dimension)
                throw new IndexFormatException(shownPath, $"holds {size} vectors of dimension {dims}, but the index has {rows.Count} of dimension {rows.Dimension}.");
            UsearchNative.ChangeExpansionSearch(index._handle, options.ExpansionSearch);
            index._viewed = view;
            // Held open so that a later Add can load this very graph even after a writer has replaced the folder.
            if (view) index._graphFile = new FileStream(graphPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    private IndexOptions NativeOptions() => new(
        metricKind: IndexMeasure.Metric(Measure),
        quantization: _options.Scalar switch { HnswScalar.F16 => ScalarKind.Float16, HnswScalar.I8 => ScalarKind.Int8, _ => ScalarKind.Float32 },
        dimensions: (ulong)Rows.Dimension,
        connectivity: (ulong)_options.Connectivity,
        expansionAdd: (ulong)_options.ExpansionAdd,
        expansionSearch: (ulong)_options.ExpansionSearch);

    private void Insert(int first, int count)
    {
        UsearchNative.Reserve(_handle, first + count);
        int dim = Rows.Dimension;
        if (_options.BuildThreads == 1)
        {
            var row = new float[dim];
            for (int i = first; i < first + count; i++) AddRow(i, row);
            return;
        }
        Parallel.For(first, first + count, new ParallelOptions { MaxDegreeOfParallelism = _options.BuildThreads }, () => new float[dim], (i, _, row) =>
        {
            AddRow(i, row);
            return row;
        }, _ => { });
    }

    private void AddRow(int i, float[] row)
    {
        Rows.Read(i, row);
        IndexMeasure.Prepare(Measure, row);
        UsearchNative.Add(_handle, (ulong)i, row);
    }

    private protected override void OnAdded(int first, int count)
    {
        if (_viewed)
        {
            // A viewed graph is read-only: load a copy into memory (from the file this index was opened from) first.
            var loaded = UsearchNative.Init(NativeOptions());
            try
            {
                UsearchNative.LoadFrom(loaded, _graphFile!);
                if (UsearchNative.Size(loaded) != first)
                    throw new InvalidOperationException($"The graph holds {UsearchNative.Size(loaded)} vectors, but the index had {first}.");
                UsearchNative.ChangeExpansionSearch(loaded, _options.ExpansionSearch);
            }
            catch
            {
                UsearchNative.Free(loaded);
                throw;
            }
            UsearchNative.Free(_handle);
            _handle = loaded;
            _viewed = false;
            _graphFile!.Dispose();
            _graphFile = null;
        }
        Insert(first, count);
    }

    private protected override void AddFiles(List<(string Name, Action<string> Write)> files) =>
        files.Add((IndexFolder.Graph, p =>
        {
            AtomicFile.FaultInjector.Value?.Invoke(p);
            UsearchNative.Save(_handle, p);
        }));

    private protected override void SearchCore(float[] queries, int q, int k, int[] positions, double[] distances)
    {
        int dim = Rows.Dimension;
        bool inverted = Measure.IsInverted;
        Parallel.For(0, q, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, TorchSharp.torch.get_num_threads()) },
            () => (Query: new float[dim], Row: new float[dim], Keys: new ulong[k], Dist: new float[k], Order: new (double, int)[k]),
            (i, _, buf) =>
            {
                queries.AsSpan(i * dim, dim).CopyTo(buf.Query);
                IndexMeasure.Prepare(Measure, buf.Query);
                int found = UsearchNative.Search(_handle, buf.Query, buf.Keys, buf.Dist);
                if (found == k)
                {
                    for (int j = 0; j < k; j++)
                    {
                        int p = checked((int)buf.Keys[j]);
                        buf.Order[j] = (Key(p, buf.Query, buf.Row, inverted), p);
                    }
                    Array.Sort(buf.Order);
                }
                else
                {
                    // The graph could not reach k items (possible in tiny or badly connected graphs): scan them all.
                    var all = new (double, int)[Rows.Count];
                    for (int p = 0; p < all.Length; p++) all[p] = (Key(p, buf.Query, buf.Row, inverted), p);
                    Array.Sort(all);
                    all.AsSpan(0, k).CopyTo(buf.Order);
                }
                long o = (long)i * k;
                for (int j = 0; j < k; j++)
                {
                    positions[o + j] = buf.Order[j].Item2;
                    distances[o + j] = inverted ? -buf.Order[j].Item1 : buf.Order[j].Item1;
                }
                return buf;
            }, _ => { });
    }

    private double Key(int p, float[] query, float[] row, bool inverted)
    {
        Rows.Read(p, row);
        IndexMeasure.Prepare(Measure, row);
        double v = IndexMeasure.Value(Measure, query, row);
        return inverted ? -v : v;
    }

    protected override void Dispose(bool disposing)
    {
        if (_handle != IntPtr.Zero)
        {
            UsearchNative.Free(_handle);
            _handle = IntPtr.Zero;
        }
        if (disposing) _graphFile?.Dispose();
        base.Dispose(disposing);
    }

    ~HnswIndex() => Dispose(false);
}
