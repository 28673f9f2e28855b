using System.Runtime.InteropServices;
using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Search;

/// <summary>Exact k-nearest-neighbour search in blocks of queries, so memory stays bounded by the block size.</summary>
/// <remarks>
/// <para><b>Order.</b> Neighbours are ranked by a ranking key and, for exactly equal keys, by lower gallery index,
/// whatever the device, path or block size. The key is <c>‖g‖² − 2q·g</c> for Euclidean and squared Euclidean
/// (‖q‖² is constant along a row and added back only for the k results), <c>−q·g</c> for cosine (on L2-normalised
/// rows) and dot product, and the measure's own matrix (negated when inverted) for any other
/// <see cref="BaseDistance"/>. Reported values come from the key (Euclidean √max(‖q‖² + key, 0), squared
/// max(‖q‖² + key, 0), cosine 1 + key, dot −key), so results whose reported values round equal keep key order.
/// Exact duplicates of a gallery row always tie and come in index order.</para>
/// <para><b>Precision.</b> Keys are float32 for float32 input. The expansion loses absolute precision in d²
/// (about ε·(‖q‖² + ‖g‖²)), so a Euclidean distance between (near-)duplicates may read up to ~√that (≈ 3e-4 for
/// unit vectors) instead of 0, and pairs closer than that may swap; this is the same trade-off as faiss' IndexFlatL2
/// and torch.cdist's matrix-product mode. <see cref="Search"/> (not <see cref="SearchBlocks"/>) then recomputes the k
/// results' Euclidean distances exactly from the differences and orders them by those values.</para>
/// <para><b>Paths and memory.</b> CPU float32 with the four built-in measures: a fused kernel
/// (<see cref="FusedKnn"/>) that computes keys tile by tile in cache and keeps only candidates under a sampled
/// per-query threshold, so the Q×G matrix is never stored (memory: the b×k outputs plus ~16 MB per thread, b×k
/// capped at 32 M). Other measures on CPU float32: the measure's b×G matrix per block (capped at 128 M values),
/// then the same managed selection per row (<see cref="RowTopK"/>). Other devices and precisions: the b×G key
/// matrix per block (capped at 32 M values) and a stable sort. The block size b is blockSize or less.</para>
/// <para><b>Self exclusion.</b> With <c>excludeSelf</c>, query i is gallery row i and that row is removed by index
/// (never by zero distance), which equals PML asking for k+1 and dropping the column whose index is the query's own
/// (or the last column when it is absent).</para>
/// </remarks>
public static class ExactKnn
{
    /// <summary>The <paramref name="k"/> nearest gallery rows of every query row, nearest first.</summary>
    /// <param name="queries">Q×D query embeddings.</param>
    /// <param name="gallery">G×D gallery embeddings.</param>
    /// <param name="k">Neighbours per query.</param>
    /// <param name="distance">Measure (Euclidean when null).</param>
    /// <param name="excludeSelf">Query i is gallery row i (query = gallery): exclude that row by index, not by zero distance.</param>
    /// <param name="blockSize">Queries per block.</param>
    /// <returns>Q×k indices and values on the queries' device.</returns>
    public static KnnResult Search(Tensor queries, Tensor gallery, int k, BaseDistance? distance = null, bool excludeSelf = false, int blockSize = 4096)
    {
        using var scope = NewDisposeScope();
        Validate(queries, gallery, k, excludeSelf, blockSize);
        long q = queries.shape[0];
        var indices = empty(new[] { q, (long)k }, ScalarType.Int64, queries.device);
        var values = empty(new[] { q, (long)k }, queries.dtype, queries.device);
        Run(queries, gallery, k, distance, excludeSelf, blockSize, Method.Auto, block =>
        {
            long b = block.Indices.shape[0];
            indices.narrow(0, block.Start, b).copy_(block.Indices);
            values.narrow(0, block.Start, b).copy_(block.Distances);
        });
        RefineEuclidean(queries, gallery, distance, indices, values);
        return new KnnResult(indices.MoveToOuterDisposeScope(), values.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The expansion key reads a duplicate's distance as ~3e-4 instead of 0; users of <see cref="Search"/> see the
    /// values, so the k results get their exact (difference-based) distances and are re-ordered by them (stable).
    /// Bounded memory: chunks of queries with at most 2²⁴ gathered elements.
    /// </summary>
    private static void RefineEuclidean(Tensor queries, Tensor gallery, BaseDistance? distance, Tensor indices, Tensor values)
    {
        distance ??= new EuclideanDistance();
        if (distance.Kind is not (MeasureKind.Euclidean or MeasureKind.SquaredEuclidean)) return;
        long q = indices.shape[0], k = indices.shape[1];
        if (q == 0 || k == 0) return;
        long rows = Math.Max(1, (1L << 24) / Math.Max(1, k * queries.shape[1]));
        using var noGrad = no_grad();
        for (long s = 0; s < q; s += rows)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(rows, q - s);
            var idx = indices.narrow(0, s, n);
            var qs = queries.narrow(0, s, n).detach().repeat_interleave(k, 0);
            var gs = gallery.detach().index_select(0, idx.reshape(-1));
            var exact = distance.Pairwise(qs, gs).reshape(n, k).to(values.dtype);
            var (sorted, order) = exact.sort(1, false, true);
            var reordered = idx.gather(1, order);
            values.narrow(0, s, n).copy_(sorted);
            idx.copy_(reordered);
        }
    }

    /// <summary>
    /// Streams the <paramref name="k"/> nearest gallery rows of each block of queries to <paramref name="onBlock"/>,
    /// in query order, without ever holding the Q×k result: memory is bounded by the block size.
    /// </summary>
    /// <param name="queries">Q×D query embeddings.</param>
    /// <param name="gallery">G×D gallery embeddings.</param>
    /// <param name="k">Neighbours per query.</param>
    /// <param name="onBlock">Called once per block; its tensors are disposed when it returns.</param>
    /// <param name="distance">Measure (Euclidean when null).</param>
    /// <param name="excludeSelf">Query i is gallery row i: exclude that row by index.</param>
    /// <param name="blockSize">Queries per block.</param>
    public static void SearchBlocks(Tensor queries, Tensor gallery, int k, Action<KnnBlock> onBlock, BaseDistance? distance = null, bool excludeSelf = false, int blockSize = 4096)
    {
        Guard.NotNull(onBlock, nameof(onBlock));
        Validate(queries, gallery, k, excludeSelf, blockSize);
        Run(queries, gallery, k, distance, excludeSelf, blockSize, Method.Auto, onBlock);
    }

    internal static void Validate(Tensor queries, Tensor gallery, int k, bool excludeSelf, int blockSize)
    {
        Guard.Embeddings(queries, nameof(queries), allowEmpty: true);
        Guard.Embeddings(gallery, nameof(gallery));
        if (queries.shape[1] != gallery.shape[1])
            throw new ArgumentException($"'{nameof(gallery)}' has dimension {gallery.shape[1]} but '{nameof(queries)}' has {queries.shape[1]}.", nameof(gallery));
        if (queries.device_type != gallery.device_type || queries.device_index != gallery.device_index)
            throw new ArgumentException($"'{nameof(gallery)}' is on {gallery.device} but '{nameof(queries)}' is on {queries.device}.", nameof(gallery));
        if (queries.dtype != gallery.dtype)
            throw new ArgumentException($"'{nameof(gallery)}' is {gallery.dtype} but '{nameof(queries)}' is {queries.dtype}.", nameof(gallery));
        Guard.Positive(k, nameof(k));
        Guard.Positive(blockSize, nameof(blockSize));
        long g = gallery.shape[0];
        if (g > int.MaxValue) throw new ArgumentException($"'{nameof(gallery)}' has {g} rows; at most {int.MaxValue} are supported.", nameof(gallery));
        if (excludeSelf && queries.shape[0] > g)
            throw new ArgumentException($"With excludeSelf, query i must be gallery row i, but there are {queries.shape[0]} queries and only {g} gallery rows.", nameof(excludeSelf));
        long available = g - (excludeSelf ? 1 : 0);
        if (k > available)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"'{nameof(k)}' = {k} exceeds the {available} gallery rows available per query{(excludeSelf ? " (self excluded)" : "")}.");
    }

    /// <summary>How a search runs: the fused CPU kernel, a measure's matrix with managed selection, or a stable sort.</summary>
    internal enum Method { Auto, Fused, Matrix, Sort }

    /// <summary>The block loop; <paramref name="method"/> other than Auto forces a path (tests, benchmarks).</summary>
    internal static void Run(Tensor queries, Tensor gallery, int k, BaseDistance? distance, bool excludeSelf, int blockSize, Method method, Action<KnnBlock> onBlock)
    {
        distance ??= new EuclideanDistance();
        var kind = distance.Kind;
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var qAll = queries.detach();
        var g = gallery.detach();
        if (kind != MeasureKind.Custom && (kind == MeasureKind.Cosine || distance.NormalizeEmbeddings))
        {
            qAll = nn.functional.normalize(qAll, 2, 1);
            g = nn.functional.normalize(g, 2, 1);
        }
        g = g.contiguous();
        long nq = qAll.shape[0];
        int ng = (int)g.shape[0];
        int dim = (int)g.shape[1];
        bool euclidean = kind is MeasureKind.Euclidean or MeasureKind.SquaredEuclidean;
        float scale = kind switch
        {
            MeasureKind.Euclidean or MeasureKind.SquaredEuclidean => -2f,
            MeasureKind.Cosine or MeasureKind.Dot => -1f,
            _ => distance.IsInverted ? -1f : 1f,
        };
        bool cpu32 = queries.device.type == DeviceType.CPU && queries.dtype == ScalarType.Float32;
        if (method == Method.Auto)
            method = !cpu32 ? Method.Sort : kind != MeasureKind.Custom && (long)ng * dim * 4 <= int.MaxValue ? Method.Fused : Method.Matrix;
        if (method != Method.Sort && !cpu32) throw new InvalidOperationException($"The {method} k-NN path needs float32 CPU tensors.");
        if (method == Method.Fused && kind == MeasureKind.Custom) throw new InvalidOperationException("The fused k-NN path needs a dot-product-based measure.");
        var (gm, inverse) = method == Method.Fused ? (g, null) : DistinctRows(g);
        var gn = euclidean ? Expand(gm.mul(gm).sum(1), inverse).contiguous() : null;

        int threads = Math.Max(1, torch.get_num_threads());
        // blockSize is an upper bound: a block's buffers are also held under a fixed budget (~400 MB for the fused
        // outputs, ~512 MB for a measure's matrix, ~128 M sort elements), so a huge k or G cannot blow memory up.
        int rows = (int)Math.Max(1, Math.Min(blockSize, method switch
        {
            Method.Fused => (1L << 25) / k,
            Method.Matrix => (1L << 27) / Math.Max(ng, k),
            _ => (1L << 25) / ng,
        }));
        FusedKnn? fused = null;
        RowTopK[]? selectors = null;
        if (method == Method.Fused)
        {
            float[]? offset = gn?.data<float>().ToArray();
            fused = new FusedKnn(MemoryMarshal.Cast<byte, float>(g.bytes), ng, dim, offset, scale, threads);
        }
        else if (method == Method.Matrix)
        {
            selectors = Enumerable.Range(0, threads).Select(_ => new RowTopK(ng)).ToArray();
        }

        Tensor? idxBuf = null, valBuf = null;
        try
        {
            for (long start = 0; start < nq; start += rows)
            {
                using var blockScope = NewDisposeScope();
                int b = (int)Math.Min(rows, nq - start);
                var qb = qAll.narrow(0, start, b).contiguous();
                if (method == Method.Sort)
                {
                    var m = Expand(kind == MeasureKind.Custom ? distance.Compute(qb, gm) : qb.mm(gm.t()), inverse, 1);
                    var u = euclidean ? m.mul(Scalars.Of(-2L)).add_(gn!, Scalars.One) : scale == 1f ? m.clone() : m.neg();
                    if (excludeSelf) u.diagonal(start, 0, 1).fill_(Scalars.PositiveInfinity);
                    // min() returns the first index of a tied minimum: what the stable sort puts first, without sorting
                    // (built-in measures only: a custom measure may give NaN, which min() would return and sort puts last).
                    var (sv, si) = k == 1 && kind != MeasureKind.Custom ? u.min(1, keepdim: true) : u.sort(1, false, true);
                    var keys = sv.narrow(1, 0, k);
                    var qn = euclidean ? qb.mul(qb).sum(1, keepdim: true) : null;
                    var val = kind switch
                    {
                        MeasureKind.Euclidean => keys.add(qn!, Scalars.One).clamp_min(Scalars.Zero).sqrt(),
                        MeasureKind.SquaredEuclidean => keys.add(qn!, Scalars.One).clamp_min(Scalars.Zero),
                        MeasureKind.Cosine => keys.add(Scalars.One, Scalars.One),
                        _ => scale == 1f ? keys.clone() : keys.neg(),
                    };
                    onBlock(new KnnBlock(start, si.narrow(1, 0, k).contiguous(), val.contiguous()));
                    continue;
                }
                // One output pair for all blocks: fresh multi-megabyte tensors per block cost page faults.
                idxBuf ??= empty(new long[] { rows, k }, ScalarType.Int64).DetachFromDisposeScope();
                valBuf ??= empty(new long[] { rows, k }, ScalarType.Float32).DetachFromDisposeScope();
                var idx = idxBuf.narrow(0, 0, b);
                var vals = valBuf.narrow(0, 0, b);
                long self = excludeSelf ? start : -1;
                float[]? qnArr = euclidean ? qb.mul(qb).sum(1).data<float>().ToArray() : null;
                RowTransform transform = (r, keys) => ToValues(kind, scale, qnArr is null ? 0f : qnArr[r], keys);
                if (fused is not null)
                {
                    fused.Search(() => MemoryMarshal.Cast<byte, float>(qb.bytes), b, self, k,
                        () => MemoryMarshal.Cast<byte, long>(idxBuf.bytes), () => MemoryMarshal.Cast<byte, float>(valBuf.bytes), transform);
                }
                else
                {
                    var m = Expand(kind == MeasureKind.Custom ? distance.Compute(qb, gm) : qb.mm(gm.t()), inverse, 1).to_type(ScalarType.Float32).contiguous();
                    SelectRows(m, gn, scale, self, k, idxBuf, valBuf, selectors!, transform);
                }
                onBlock(new KnnBlock(start, idx, vals));
            }
        }
        finally
        {
            idxBuf?.Dispose();
            valBuf?.Dispose();
        }
    }

    /// <summary>
    /// The distinct rows of <paramref name="g"/> and, when some repeat, the map from each row to its distinct row. A BLAS
    /// product does not give exact duplicates bit-identical values (columns that fall in a remainder block go through
    /// another micro-kernel), so the matrix and sort paths measure each distinct row once and expand: duplicates then
    /// tie exactly and come in index order, as on the fused path, whose kernel computes every row alike.
    /// </summary>
    private static (Tensor Rows, Tensor? Inverse) DistinctRows(Tensor g)
    {
        var (rows, inverse, _) = g.unique(sorted: true, return_inverse: true, dim: 0);
        return rows.shape[0] == g.shape[0] ? (g, null) : (rows.contiguous(), inverse);
    }

    /// <summary>Values of distinct rows, along <paramref name="dim"/>, back to every row (unchanged without repeats).</summary>
    private static Tensor Expand(Tensor values, Tensor? inverse, long dim = 0) => inverse is null ? values : values.index_select(dim, inverse);

    /// <summary>Keys to reported values, as the sort path's tensor ops compute them (IEEE add, max, sqrt).</summary>
    private static void ToValues(MeasureKind kind, float scale, float qn, Span<float> keys)
    {
        switch (kind)
        {
            case MeasureKind.Euclidean:
                for (int i = 0; i < keys.Length; i++) keys[i] = MathF.Sqrt(MathF.Max(qn + keys[i], 0f));
                break;
            case MeasureKind.SquaredEuclidean:
                for (int i = 0; i < keys.Length; i++) keys[i] = MathF.Max(qn + keys[i], 0f);
                break;
            case MeasureKind.Cosine:
                for (int i = 0; i < keys.Length; i++) keys[i] = keys[i] + 1f;
                break;
            default:
                if (scale != 1f) for (int i = 0; i < keys.Length; i++) keys[i] = -keys[i];
                break;
        }
    }

    private static void SelectRows(Tensor m, Tensor? gn, float scale, long selfStart, int k, Tensor idx, Tensor keys, RowTopK[] selectors, RowTransform transform)
    {
        int b = (int)m.shape[0];
        int ng = (int)m.shape[1];
        int next = 0;
        const int chunk = 8;
        Parallel.For(0, Math.Min(selectors.Length, (b + chunk - 1) / chunk), new ParallelOptions { MaxDegreeOfParallelism = selectors.Length }, w =>
        {
            var sel = selectors[w];
            ReadOnlySpan<float> mAll = MemoryMarshal.Cast<byte, float>(m.bytes);
            ReadOnlySpan<float> off = gn is null ? default : MemoryMarshal.Cast<byte, float>(gn.bytes);
            Span<long> idxAll = MemoryMarshal.Cast<byte, long>(idx.bytes);
            Span<float> keyAll = MemoryMarshal.Cast<byte, float>(keys.bytes);
            int r0;
            while ((r0 = Interlocked.Add(ref next, chunk) - chunk) < b)
            {
                for (int r = r0; r < Math.Min(b, r0 + chunk); r++)
                {
                    int self = selfStart >= 0 ? (int)(selfStart + r) : -1;
                    sel.Select(mAll.Slice(r * ng, ng), off, scale, self, k, idxAll.Slice(r * k, k), keyAll.Slice(r * k, k));
                    transform(r, keyAll.Slice(r * k, k));
                }
            }
        });
    }
}
