using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TripletSharp.Engine;

/// <summary>
/// Exact top-k for dot-product-based measures on CPU float32, with the product fused into the selection:
/// keys <c>u = offset_j + scale·(q·g_j)</c> are computed tile by tile (a few queries × about a thousand gallery
/// columns, kept in L1/L2) and filtered against a per-query threshold at once, so the Q×G matrix is never
/// written to memory. Runs on its own worker threads (one per libtorch intra-op thread).
/// </summary>
/// <remarks>
/// Every dot product is accumulated the same way (FMA over d = 0..D−1, starting from 0) whatever the column's
/// position in a tile, so identical gallery rows give bit-identical keys and tie; ties are broken by lower column.
/// The threshold of each query is a rank of its keys on a fixed, position-stratified sample of 2,048 columns,
/// chosen so that at least k keys pass with high probability; a query whose candidates fall short (or overflow
/// the buffer) is redone exactly from its full row (<see cref="RowTopK"/>), so results never depend on the sample.
/// </remarks>
internal sealed class FusedKnn
{
    private const int Panel = 4;
    private const int SampleSize = 2048;
    private const int SampleRuns = 128;
    private const int VectorTail = 16;
    private const double Z = 3;

    private readonly int _d;
    private readonly int _g;
    private readonly int _tile;
    private readonly float[] _packed;
    private readonly float[]? _offset;
    private readonly float _scale;
    private readonly float[]? _samplePacked;
    private readonly float[]? _sampleOffset;
    private readonly Workspace[] _workspaces;
    private long _fallbacks;

    /// <param name="gallery">G×D row-major gallery.</param>
    /// <param name="g">Gallery rows.</param>
    /// <param name="d">Dimension.</param>
    /// <param name="offset">Per-column offset (Euclidean: ‖g‖²), or null.</param>
    /// <param name="scale">−2 (Euclidean) or ±1.</param>
    /// <param name="threads">Worker threads.</param>
    public FusedKnn(ReadOnlySpan<float> gallery, int g, int d, float[]? offset, float scale, int threads)
    {
        _d = d;
        _g = g;
        _scale = scale;
        _offset = offset;
        // A tile's D×w block of the gallery stays in L2 while a chunk of queries sweeps it.
        _tile = Math.Clamp(65536 / d / 64 * 64, 64, 4096);
        _packed = new float[(long)g * d];
        for (int c0 = 0; c0 < g; c0 += _tile)
        {
            int w = Math.Min(_tile, g - c0);
            var dst = _packed.AsSpan(c0 * d, w * d);
            for (int j = 0; j < w; j++)
            {
                var row = gallery.Slice((c0 + j) * d, d);
                for (int e = 0; e < d; e++) dst[e * w + j] = row[e];
            }
        }
        if (g > 2 * SampleSize)
        {
            const int run = SampleSize / SampleRuns;
            _samplePacked = new float[SampleSize * d];
            _sampleOffset = offset is null ? null : new float[SampleSize];
            for (int ch = 0, i = 0; ch < SampleRuns; ch++)
            {
                int j0 = (int)((long)ch * (g - run) / (SampleRuns - 1));
                for (int j = j0; j < j0 + run; j++, i++)
                {
                    var row = gallery.Slice(j * d, d);
                    for (int e = 0; e < d; e++) _samplePacked[e * SampleSize + i] = row[e];
                    if (_sampleOffset is not null) _sampleOffset[i] = offset![j];
                }
            }
        }
        _workspaces = new Workspace[Math.Max(1, threads)];
    }

    /// <summary>Queries redone from their full row because the sampled threshold was too tight or too loose.</summary>
    public long Fallbacks => Interlocked.Read(ref _fallbacks);

    /// <summary>
    /// Top k of each of the <paramref name="b"/> queries (b×D row-major float32 in <paramref name="queries"/>).
    /// Query r excludes gallery column selfStart + r when <paramref name="selfStart"/> ≥ 0. Each query's keys are
    /// then passed through <paramref name="transform"/> (on the worker thread), e.g. to turn them into distances.
    /// </summary>
    public void Search(SpanSource<float> queries, int b, long selfStart, int k, SpanSource<long> outColumns, SpanSource<float> outKeys, RowTransform? transform = null)
    {
        int available = _g - (selfStart >= 0 ? 1 : 0);
        bool sampled = _samplePacked is not null && PackedKeys.ThresholdRank(k, available, SampleSize, Z) >= 0;
        int cap = sampled ? Math.Min(_g, 2 * k + 4096) : _g;
        // Enough queries per chunk to reuse each gallery tile, few enough that candidate buffers stay ~16 MB.
        int chunk = Math.Clamp((int)((16L << 20) / ((long)cap * 8)) / Panel * Panel, Panel, 128);
        int next = 0;
        Parallel.For(0, _workspaces.Length, new ParallelOptions { MaxDegreeOfParallelism = _workspaces.Length }, w =>
        {
            var ws = _workspaces[w] ??= new Workspace();
            ws.Ensure(chunk, cap, _d, _tile, _g);
            int r0;
            while ((r0 = Interlocked.Add(ref next, chunk) - chunk) < b)
            {
                int rows = Math.Min(chunk, b - r0);
                var keys = outKeys().Slice(r0 * k, rows * k);
                ProcessChunk(ws, queries().Slice(r0 * _d, rows * _d), rows, selfStart < 0 ? -1 : selfStart + r0, k, sampled, cap,
                    outColumns().Slice(r0 * k, rows * k), keys);
                if (transform is not null)
                    for (int r = 0; r < rows; r++) transform(r0 + r, keys.Slice(r * k, k));
            }
        });
    }

    private void ProcessChunk(Workspace ws, ReadOnlySpan<float> q, int rows, long selfStart, int k, bool sampled, int cap, Span<long> outColumns, Span<float> outKeys)
    {
        int d = _d;
        int panels = (rows + Panel - 1) / Panel;
        var qp = ws.Queries.AsSpan(0, panels * Panel * d);
        qp.Clear();
        q.CopyTo(qp);
        var counts = ws.Counts.AsSpan(0, rows);
        var thresholds = ws.Thresholds.AsSpan(0, rows);
        counts.Clear();
        int available = _g - (selfStart >= 0 ? 1 : 0);

        if (sampled)
        {
            int rank = PackedKeys.ThresholdRank(k, available, SampleSize, Z);
            for (int p = 0; p < panels; p++)
            {
                Kernel(qp.Slice(p * Panel * d, Panel * d), d, _samplePacked, SampleSize, _sampleOffset, _scale, ws.Out);
                for (int i = 0; i < Panel && p * Panel + i < rows; i++)
                {
                    var s = ws.Out.AsSpan(i * SampleSize, SampleSize);
                    thresholds[p * Panel + i] = PackedKeys.ThresholdAtRank(s, rank, ws.Hist);
                }
            }
        }
        else thresholds.Fill(float.PositiveInfinity);

        for (int c0 = 0; c0 < _g; c0 += _tile)
        {
            int w = Math.Min(_tile, _g - c0);
            var tile = _packed.AsSpan(c0 * d, w * d);
            var off = _offset is null ? default : _offset.AsSpan(c0, w);
            for (int p = 0; p < panels; p++)
            {
                Kernel(qp.Slice(p * Panel * d, Panel * d), d, tile, w, off, _scale, ws.Out);
                for (int i = 0; i < Panel && p * Panel + i < rows; i++)
                {
                    int r = p * Panel + i;
                    if (counts[r] < 0) continue; // overflowed: redone below
                    int self = selfStart < 0 ? -1 : (int)(selfStart + r);
                    counts[r] = Filter(ws.Out.AsSpan(i * w, w), c0, thresholds[r], self, ws.Candidates.AsSpan(r * cap, cap), counts[r]);
                }
            }
        }

        for (int r = 0; r < rows; r++)
        {
            int self = selfStart < 0 ? -1 : (int)(selfStart + r);
            var cols = outColumns.Slice(r * k, k);
            var keys = outKeys.Slice(r * k, k);
            int c = counts[r];
            if (c < k)
            {
                Interlocked.Increment(ref _fallbacks);
                FullRow(ws, qp.Slice(r / Panel * Panel * d, Panel * d), r % Panel);
                ws.Row!.Select(ws.RowKeys, default, 1f, self, k, cols, keys);
                continue;
            }
            var sorted = PackedKeys.Sort(ws.Candidates.AsSpan(r * cap, c), ws.Tmp, ws.Hist);
            for (int i = 0; i < k; i++)
            {
                cols[i] = PackedKeys.Column(sorted[i]);
                keys[i] = PackedKeys.Key(sorted[i]);
            }
        }
    }

    /// <summary>All G keys of row <paramref name="i"/> of a panel into the workspace's row buffer.</summary>
    private void FullRow(Workspace ws, ReadOnlySpan<float> panel, int i)
    {
        ws.Row ??= new RowTopK(_g);
        ws.RowKeys ??= new float[_g];
        for (int c0 = 0; c0 < _g; c0 += _tile)
        {
            int w = Math.Min(_tile, _g - c0);
            Kernel(panel, _d, _packed.AsSpan(c0 * _d, w * _d), w, _offset is null ? default : _offset.AsSpan(c0, w), _scale, ws.Out);
            ws.Out.AsSpan(i * w, w).CopyTo(ws.RowKeys.AsSpan(c0, w));
        }
    }

    /// <summary>
    /// Appends the columns of <paramref name="u"/> (tile starting at column <paramref name="c0"/>) with key ≤ t to
    /// <paramref name="dst"/>; returns the new count, or −1 when the buffer would overflow.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Filter(ReadOnlySpan<float> u, int c0, float t, int self, Span<ulong> dst, int c)
    {
        int w = u.Length, j = 0;
        int limit = dst.Length - VectorTail;
        ref float ur = ref MemoryMarshal.GetReference(u);
        ref ulong dr = ref MemoryMarshal.GetReference(dst);
        if (Avx512F.IsSupported)
        {
            // Branch-free: pack all 16 lanes as (monotone key, column) and compress-store the selected ones.
            var tv = Vector512.Create(t);
            var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            var selfV = Vector512.Create(self);
            var sign = Vector512.Create(0x8000_0000u);
            for (; j <= w - 16; j += 16)
            {
                if (c > limit) return -1;
                var uv = Vector512.LoadUnsafe(ref ur, (nuint)j) + Vector512<float>.Zero;
                var cols = Vector512.Create(c0 + j) + iota;
                var sel = Vector512.LessThanOrEqual(uv, tv).AsInt32() & ~Vector512.Equals(cols, selfV);
                uint bits = (uint)sel.ExtractMostSignificantBits();
                if (bits == 0) continue;
                var ub = uv.AsUInt32();
                var key = ub ^ ((ub.AsInt32() >> 31).AsUInt32() | sign);
                var (kLo, kHi) = Vector512.Widen(key);
                var (cLo, cHi) = Vector512.Widen(cols.AsUInt32());
                var (mLo, mHi) = Vector512.Widen(sel);
                Avx512F.Compress(Vector512<ulong>.Zero, mLo.AsUInt64(), (kLo << 32) | cLo).StoreUnsafe(ref dr, (nuint)c);
                c += BitOperations.PopCount(bits & 0xFF);
                Avx512F.Compress(Vector512<ulong>.Zero, mHi.AsUInt64(), (kHi << 32) | cHi).StoreUnsafe(ref dr, (nuint)c);
                c += BitOperations.PopCount(bits >> 8);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var tv = Vector256.Create(t);
            for (; j <= w - 8; j += 8)
            {
                uint mask = Vector256.LessThanOrEqual(Vector256.LoadUnsafe(ref ur, (nuint)j), tv).ExtractMostSignificantBits();
                if (mask == 0) continue;
                if (c > limit) return -1;
                do
                {
                    int jj = j + BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                    int col = c0 + jj;
                    Unsafe.Add(ref dr, c) = PackedKeys.Pack(Unsafe.Add(ref ur, jj), col);
                    c += col != self ? 1 : 0;
                }
                while (mask != 0);
            }
        }
        for (; j < w; j++)
        {
            if (!(u[j] <= t)) continue;
            if (c >= dst.Length) return -1;
            int col = c0 + j;
            dst[c] = PackedKeys.Pack(u[j], col);
            c += col != self ? 1 : 0;
        }
        return c;
    }

    /// <summary>
    /// out[r, j] = offset[j] + scale·Σ_d q[r, d]·tile[d, j] for the 4 rows of a panel; every sum is an FMA chain
    /// over d from 0, identical in the vector and scalar code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel(ReadOnlySpan<float> q, int d, ReadOnlySpan<float> tile, int w, ReadOnlySpan<float> offset, float scale, Span<float> output)
    {
        int j = 0;
        ref float tr = ref MemoryMarshal.GetReference(tile);
        ref float qr = ref MemoryMarshal.GetReference(q);
        ref float outr = ref MemoryMarshal.GetReference(output);
        ref float offr = ref MemoryMarshal.GetReference(offset);
        bool hasOffset = !offset.IsEmpty;
        if (Vector512.IsHardwareAccelerated)
        {
            var sv = Vector512.Create(scale);
            for (; j <= w - 64; j += 64)
            {
                Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
                Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
                Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
                Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
                for (int e = 0; e < d; e++)
                {
                    ref float row = ref Unsafe.Add(ref tr, e * w + j);
                    var b0 = Vector512.LoadUnsafe(ref row);
                    var b1 = Vector512.LoadUnsafe(ref row, 16);
                    var b2 = Vector512.LoadUnsafe(ref row, 32);
                    var b3 = Vector512.LoadUnsafe(ref row, 48);
                    var x = Vector512.Create(Unsafe.Add(ref qr, e));
                    a00 = Vector512.FusedMultiplyAdd(b0, x, a00);
                    a01 = Vector512.FusedMultiplyAdd(b1, x, a01);
                    a02 = Vector512.FusedMultiplyAdd(b2, x, a02);
                    a03 = Vector512.FusedMultiplyAdd(b3, x, a03);
                    x = Vector512.Create(Unsafe.Add(ref qr, d + e));
                    a10 = Vector512.FusedMultiplyAdd(b0, x, a10);
                    a11 = Vector512.FusedMultiplyAdd(b1, x, a11);
                    a12 = Vector512.FusedMultiplyAdd(b2, x, a12);
                    a13 = Vector512.FusedMultiplyAdd(b3, x, a13);
                    x = Vector512.Create(Unsafe.Add(ref qr, 2 * d + e));
                    a20 = Vector512.FusedMultiplyAdd(b0, x, a20);
                    a21 = Vector512.FusedMultiplyAdd(b1, x, a21);
                    a22 = Vector512.FusedMultiplyAdd(b2, x, a22);
                    a23 = Vector512.FusedMultiplyAdd(b3, x, a23);
                    x = Vector512.Create(Unsafe.Add(ref qr, 3 * d + e));
                    a30 = Vector512.FusedMultiplyAdd(b0, x, a30);
                    a31 = Vector512.FusedMultiplyAdd(b1, x, a31);
                    a32 = Vector512.FusedMultiplyAdd(b2, x, a32);
                    a33 = Vector512.FusedMultiplyAdd(b3, x, a33);
                }
                Store512(ref outr, j, a00, a01, a02, a03, ref offr, hasOffset, sv);
                Store512(ref Unsafe.Add(ref outr, w), j, a10, a11, a12, a13, ref offr, hasOffset, sv);
                Store512(ref Unsafe.Add(ref outr, 2 * w), j, a20, a21, a22, a23, ref offr, hasOffset, sv);
                Store512(ref Unsafe.Add(ref outr, 3 * w), j, a30, a31, a32, a33, ref offr, hasOffset, sv);
            }
        }
        else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
        {
            var sv = Vector256.Create(scale);
            for (; j <= w - 16; j += 16)
            {
                Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
                Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
                for (int e = 0; e < d; e++)
                {
                    ref float row = ref Unsafe.Add(ref tr, e * w + j);
                    var b0 = Vector256.LoadUnsafe(ref row);
                    var b1 = Vector256.LoadUnsafe(ref row, 8);
                    var x = Vector256.Create(Unsafe.Add(ref qr, e));
                    a00 = Vector256.FusedMultiplyAdd(b0, x, a00);
                    a01 = Vector256.FusedMultiplyAdd(b1, x, a01);
                    x = Vector256.Create(Unsafe.Add(ref qr, d + e));
                    a10 = Vector256.FusedMultiplyAdd(b0, x, a10);
                    a11 = Vector256.FusedMultiplyAdd(b1, x, a11);
                    x = Vector256.Create(Unsafe.Add(ref qr, 2 * d + e));
                    a20 = Vector256.FusedMultiplyAdd(b0, x, a20);
                    a21 = Vector256.FusedMultiplyAdd(b1, x, a21);
                    x = Vector256.Create(Unsafe.Add(ref qr, 3 * d + e));
                    a30 = Vector256.FusedMultiplyAdd(b0, x, a30);
                    a31 = Vector256.FusedMultiplyAdd(b1, x, a31);
                }
                for (int r = 0; r < Panel; r++)
                {
                    var (v0, v1) = r switch { 0 => (a00, a01), 1 => (a10, a11), 2 => (a20, a21), _ => (a30, a31) };
                    ref float o = ref Unsafe.Add(ref outr, r * w + j);
                    if (hasOffset)
                    {
                        (Vector256.LoadUnsafe(ref offr, (nuint)j) + v0 * sv).StoreUnsafe(ref o);
                        (Vector256.LoadUnsafe(ref offr, (nuint)(j + 8)) + v1 * sv).StoreUnsafe(ref o, 8);
                    }
                    else
                    {
                        (v0 * sv).StoreUnsafe(ref o);
                        (v1 * sv).StoreUnsafe(ref o, 8);
                    }
                }
            }
        }
        for (; j < w; j++)
        {
            for (int r = 0; r < Panel; r++)
            {
                float acc = 0f;
                for (int e = 0; e < d; e++) acc = MathF.FusedMultiplyAdd(tile[e * w + j], q[r * d + e], acc);
                output[r * w + j] = hasOffset ? offset[j] + acc * scale : acc * scale;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(ref float outRow, int j, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3, ref float off, bool hasOffset, Vector512<float> sv)
    {
        ref float o = ref Unsafe.Add(ref outRow, j);
        if (hasOffset)
        {
            ref float f = ref Unsafe.Add(ref off, j);
            (Vector512.LoadUnsafe(ref f) + v0 * sv).StoreUnsafe(ref o);
            (Vector512.LoadUnsafe(ref f, 16) + v1 * sv).StoreUnsafe(ref o, 16);
            (Vector512.LoadUnsafe(ref f, 32) + v2 * sv).StoreUnsafe(ref o, 32);
            (Vector512.LoadUnsafe(ref f, 48) + v3 * sv).StoreUnsafe(ref o, 48);
        }
        else
        {
            (v0 * sv).StoreUnsafe(ref o);
            (v1 * sv).StoreUnsafe(ref o, 16);
            (v2 * sv).StoreUnsafe(ref o, 32);
            (v3 * sv).StoreUnsafe(ref o, 48);
        }
    }

    private sealed class Workspace
    {
        public float[] Queries = [];
        public int[] Counts = [];
        public float[] Thresholds = [];
        public ulong[] Candidates = [];
        public ulong[] Tmp = [];
        public float[] Out = [];
        public readonly int[] Hist = new int[PackedKeys.HistogramSize];
        public RowTopK? Row;
        public float[]? RowKeys;

        public void Ensure(int chunk, int cap, int d, int tile, int g)
        {
            if (Queries.Length < chunk * d) Queries = new float[chunk * d];
            if (Counts.Length < chunk) Counts = new int[chunk];
            if (Thresholds.Length < chunk) Thresholds = new float[chunk];
            if (Candidates.Length < (long)chunk * cap) Candidates = new ulong[(long)chunk * cap];
            if (Tmp.Length < cap) Tmp = new ulong[cap];
            int outLen = Panel * Math.Max(tile, SampleSize);
            if (Out.Length < outLen) Out = new float[outLen];
        }
    }
}

/// <summary>Re-obtains a span (over native tensor memory) inside worker lambdas, which cannot capture spans.</summary>
internal delegate Span<T> SpanSource<T>();

/// <summary>Rewrites the k keys of query <c>row</c> of a block in place.</summary>
internal delegate void RowTransform(int row, Span<float> keys);
