using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Search;

/// <summary>The exact index: every search is <see cref="ExactKnn.Search"/> over all items.</summary>
internal sealed class ExactIndex : EmbeddingIndex
{
    private Tensor? _gallery;
    private readonly Lock _galleryLock = new();

    public ExactIndex(RowStore rows, IEnumerable<long> labels, IEnumerable<string> classNames, IEnumerable<string> ids, BaseDistance measure, string fingerprint)
        : base(rows, labels, classNames, ids, measure, fingerprint) { }

    public override IndexKind Kind => IndexKind.Exact;

    public override HnswOptions? Hnsw => null;

    private protected override void OnAdded(int first, int count)
    {
        lock (_galleryLock)
        {
            _gallery?.Dispose();
            _gallery = null;
        }
    }

    private Tensor Gallery()
    {
        lock (_galleryLock)
        {
            return _gallery ??= tensor(Rows.ToArray(), new long[] { Count, Dimension }, ScalarType.Float32).DetachFromDisposeScope();
        }
    }

    private protected override void SearchCore(float[] queries, int q, int k, int[] positions, double[] distances)
    {
        using var scope = NewDisposeScope();
        var gallery = Gallery();
        var qt = tensor(queries, new long[] { q, Dimension }, ScalarType.Float32);
        using var result = ExactKnn.Search(qt, gallery, k, Measure);
        var idx = result.Indices.data<long>().ToArray();
        var val = result.Distances.data<float>().ToArray();
        for (long i = 0; i < idx.Length; i++)
        {
            positions[i] = (int)idx[i];
            distances[i] = val[i];
        }
        // ExactKnn's order is by its float32 key; equal reported values keep that order. Make ties lower-position first.
        var order = new (double, int)[k];
        bool inverted = Measure.IsInverted;
        for (int r = 0; r < q; r++)
        {
            long o = (long)r * k;
            for (int j = 0; j < k; j++) order[j] = (inverted ? -distances[o + j] : distances[o + j], positions[o + j]);
            Array.Sort(order);
            for (int j = 0; j < k; j++)
            {
                positions[o + j] = order[j].Item2;
                distances[o + j] = inverted ? -order[j].Item1 : order[j].Item1;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_galleryLock)
            {
                _gallery?.Dispose();
                _gallery = null;
            }
        }
        base.Dispose(disposing);
    }
}
