using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// CPU form of the loss over explicit triplets on the (cached) matrix: each triplet's hinge or soft margin from two or
/// three matrix entries, and the embedding gradient of the loss sum in closed form from the sparse dL/dE the triplets
/// imply (two entries per triplet, three with the swap). No B×B weight matrix and no B×B·B×D product is formed: the
/// work is O(T·D) for T triplets, where the dense form costs O(B²·D) (FaceNet semi-hard and distance-weighted select
/// B·K triplets, K ≪ B).
/// </summary>
/// <remarks>
/// The gradient rows are computed per output row in a fixed order (the row's entries, then its column's entries, both in
/// triplet order), so the result is bit-identical whatever the number of threads.
/// </remarks>
internal static class ExplicitKernel
{
    /// <summary>Triplets per block of the value pass (a fixed split: totals are added in block order).</summary>
    private const int TripletsPerBlock = 1 << 14;

    /// <summary>Whether the kernel can evaluate <paramref name="loss"/> on this matrix (CPU, contiguous, a closed-form rule).</summary>
    public static bool Applies(TripletLossSpec loss, Tensor m) =>
        !EngineSwitches.TorchOnly && loss.Measure.GradientRule is not null && HostTensor.IsKernelReady(m)
        && m.NumberOfElements * m.ElementSize <= int.MaxValue;

    /// <summary>
    /// The loss sum and non-zero count of the triplets (<paramref name="a"/>, <paramref name="p"/>, <paramref name="n"/>: int64
    /// CPU vectors) on the raw matrix <paramref name="m"/>, and, when <paramref name="x"/> (the prepared embeddings, B×D) is
    /// given, ∂(loss sum)/∂x as a new B×D tensor.
    /// </summary>
    public static (double Value, long NonZero, Tensor? Gradient) Evaluate(TripletLossSpec loss, Tensor m, Tensor a, Tensor p, Tensor n, Tensor? x)
    {
        using var ai = a.contiguous();
        using var pi = p.contiguous();
        using var ni = n.contiguous();
        return m.dtype == ScalarType.Float32
            ? Run<float>(loss, m, ai, pi, ni, x)
            : Run<double>(loss, m, ai, pi, ni, x);
    }

    /// <summary>
    /// The anchors used (distinct), Σ M_ap and Σ M_an of the triplets on the raw matrix <paramref name="m"/> (CPU,
    /// contiguous, under 2 GiB; int64 CPU indices), summed in double in a fixed block order.
    /// </summary>
    public static (long Anchors, double SumAp, double SumAn) Stats(Tensor m, Tensor a, Tensor p, Tensor n)
    {
        using var ai = a.contiguous();
        using var pi = p.contiguous();
        using var ni = n.contiguous();
        return m.dtype == ScalarType.Float32 ? StatsOf<float>(m, ai, pi, ni) : StatsOf<double>(m, ai, pi, ni);
    }

    /// <summary>Whether <see cref="Stats"/> can read this matrix and these indices in place.</summary>
    public static bool CanReadStats(Tensor m, Tensor a, Tensor p, Tensor n) =>
        !EngineSwitches.TorchOnly && HostTensor.IsKernelReady(m) && m.NumberOfElements * m.ElementSize <= int.MaxValue
        && new[] { a, p, n }.All(v => v.device_type == TorchSharp.DeviceType.CPU && v.dtype == ScalarType.Int64);

    private static (long Anchors, double SumAp, double SumAn) StatsOf<T>(Tensor m, Tensor aT, Tensor pT, Tensor nT)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int b = (int)m.shape[1];
        int t = (int)aT.shape[0];
        int blocks = (t + TripletsPerBlock - 1) / TripletsPerBlock;
        var sums = new (double Ap, double An)[blocks];
        var used = new bool[m.shape[0]];
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = HostTensor.Threads }, block =>
        {
            ReadOnlySpan<T> mv = HostTensor.Span<T>(m);
            ReadOnlySpan<long> av = HostTensor.Span<long>(aT), pv = HostTensor.Span<long>(pT), nv = HostTensor.Span<long>(nT);
            int start = block * TripletsPerBlock, end = Math.Min(t, start + TripletsPerBlock);
            double ap = 0, an = 0;
            for (int i = start; i < end; i++)
            {
                int row = (int)av[i] * b;
                ap += double.CreateTruncating(mv[row + (int)pv[i]]);
                an += double.CreateTruncating(mv[row + (int)nv[i]]);
                used[(int)av[i]] = true; // every writer writes true: no race on the result
            }
            sums[block] = (ap, an);
        });
        double sumAp = 0, sumAn = 0;
        foreach (var (ap, an) in sums)
        {
            sumAp += ap;
            sumAn += an;
        }
        return (used.Count(u => u), sumAp, sumAn);
    }

    private static (double Value, long NonZero, Tensor? Gradient) Run<T>(TripletLossSpec loss, Tensor m, Tensor aT, Tensor pT, Tensor nT, Tensor? x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int b = (int)m.shape[0];
        int t = (int)aT.shape[0];
        int perTriplet = loss.Swap ? 3 : 2;
        var rule = loss.Measure.GradientRule!;
        bool wantGrad = x is not null;
        // Entry e of triplet i is at i·perTriplet + slot; a zero weight marks an entry with no gradient.
        // Pooled: these run on every training step, and fresh arrays of this size cost page faults on first touch.
        int entries = t * perTriplet;
        var rows = wantGrad ? ArrayPool<int>.Shared.Rent(entries) : null;
        var cols = wantGrad ? ArrayPool<int>.Shared.Rent(entries) : null;
        var vals = wantGrad ? ArrayPool<T>.Shared.Rent(entries) : null;
        int blocks = (t + TripletsPerBlock - 1) / TripletsPerBlock;
        var values = new double[blocks];
        var nonZero = new long[blocks];
        T sign = loss.Measure.IsInverted ? -T.One : T.One;
        T margin = T.CreateTruncating(loss.Margin), half = T.CreateTruncating(0.5);
        bool soft = loss.SoftMargin, swap = loss.Swap, divide = rule.DivideByValue;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = HostTensor.Threads }, block =>
        {
            ReadOnlySpan<T> mv = HostTensor.Span<T>(m);
            ReadOnlySpan<long> av = HostTensor.Span<long>(aT), pv = HostTensor.Span<long>(pT), nv = HostTensor.Span<long>(nT);
            int start = block * TripletsPerBlock, end = Math.Min(t, start + TripletsPerBlock);
            double value = 0;
            long active = 0;
            for (int i = start; i < end; i++)
            {
                int ia = (int)av[i], ip = (int)pv[i], iN = (int)nv[i];
                long ap = (long)ia * b + ip, an = (long)ia * b + iN, pn = (long)ip * b + iN;
                T eap = sign * mv[(int)ap], ean = sign * mv[(int)an];
                T epn = swap ? sign * mv[(int)pn] : ean;
                T z = eap - (swap ? T.Min(ean, epn) : ean);
                double loss1;
                T w;
                if (soft)
                {
                    // softplus as torch defines it (linear above 20), in double so that it stays > 0 where float's would underflow.
                    double zd = double.CreateTruncating(z), ez = Math.Exp(Math.Min(zd, 20));
                    loss1 = zd > 20 ? zd : ez < 1e-5 ? ez * (1 - 0.5 * ez) : Math.Log(1 + ez);
                    w = zd > 20 ? T.One : T.CreateTruncating(ez / (1 + ez));
                }
                else
                {
                    z += margin;
                    loss1 = z > T.Zero ? double.CreateTruncating(z) : 0;
                    w = z > T.Zero ? T.One : T.Zero;
                }
                value += loss1;
                if (loss1 > 0) active++;
                if (!wantGrad) continue;
                int e = i * perTriplet;
                rows![e] = ia; cols![e] = ip; vals![e] = divide ? Divided(w, mv[(int)ap]) : w;
                rows[e + 1] = ia; cols[e + 1] = iN;
                T toAnchor = !swap ? T.One : ean < epn ? T.One : ean == epn ? half : T.Zero;
                vals[e + 1] = divide ? Divided(-w * toAnchor, mv[(int)an]) : -w * toAnchor;
                if (swap)
                {
                    rows[e + 2] = ip; cols[e + 2] = iN;
                    T toPositive = T.One - toAnchor;
                    vals[e + 2] = divide ? Divided(-w * toPositive, mv[(int)pn]) : -w * toPositive;
                }
            }
            values[block] = value;
            nonZero[block] = active;
        });
        double total = 0;
        long count = 0;
        for (int i = 0; i < blocks; i++)
        {
            total += values[i];
            count += nonZero[i];
        }
        if (!wantGrad) return (total, count, null);
        try
        {
            return (total, count, Gradient(x!, b, rule, rows!, cols!, vals!, entries));
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rows!);
            ArrayPool<int>.Shared.Return(cols!);
            ArrayPool<T>.Shared.Return(vals!);
        }
    }

    /// <summary>dL/dE divided by the matrix entry (0 where the entry is 0), as <see cref="SelfGradientRule.DivideByValue"/> asks.</summary>
    private static T Divided<T>(T w, T entry) where T : unmanaged, IFloatingPointIeee754<T> =>
        entry == T.Zero || w == T.Zero ? T.Zero : w / entry;

    /// <summary>
    /// ∂/∂x of Σ V_ij·E_ij for the sparse V given as entries (row, column, value): per row i, with
    /// s_i = Σ_j V_ij + Σ_j V_ji and y_i = Σ_j V_ij·x_j + Σ_j V_ji·x_j, Scale·(s_i·x_i − y_i) for Laplacian measures and
    /// Scale·y_i for inner products (<see cref="SelfGradientRule"/>).
    /// </summary>
    private static Tensor Gradient<T>(Tensor x, int b, SelfGradientRule rule, int[] rows, int[] cols, T[] vals, int entries)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A stable counting sort of the non-zero entries by the row they contribute to (both ends of each): every output
        // row gets its (other index, value) list in entry order.
        var start = new int[b + 1];
        for (int e = 0; e < entries; e++)
        {
            if (vals[e] == T.Zero) continue;
            start[rows[e] + 1]++;
            start[cols[e] + 1]++;
        }
        for (int i = 0; i < b; i++) start[i + 1] += start[i];
        var other = ArrayPool<int>.Shared.Rent(start[b]);
        var weight = ArrayPool<T>.Shared.Rent(start[b]);
        try
        {
            return Gather(x, b, rule, rows, cols, vals, entries, start, other, weight);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(other);
            ArrayPool<T>.Shared.Return(weight);
        }
    }

    /// <summary><see cref="Gradient"/> with the (pooled) lists to fill: the counting sort's second pass, then the rows.</summary>
    private static Tensor Gather<T>(Tensor x, int b, SelfGradientRule rule, int[] rows, int[] cols, T[] vals, int entries, int[] start, int[] other, T[] weight)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var fill = start.AsSpan(0, b).ToArray();
        for (int e = 0; e < entries; e++)
        {
            T v = vals[e];
            if (v == T.Zero) continue;
            int r = rows[e], c = cols[e];
            int k = fill[r]++;
            other[k] = c;
            weight[k] = v;
            k = fill[c]++;
            other[k] = r;
            weight[k] = v;
        }

        using var xc = x.detach().contiguous();
        int dim = (int)xc.shape[1];
        var result = zeros(b, dim, dtype: xc.dtype, device: xc.device);
        T scale = T.CreateTruncating(rule.Scale);
        bool laplacian = rule.Laplacian;
        int threads = HostTensor.Threads;
        int rowsPerBlock = Math.Max(1, (b + 4 * threads - 1) / (4 * threads));
        int blocks = (b + rowsPerBlock - 1) / rowsPerBlock;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads }, block =>
        {
            ReadOnlySpan<T> xs = HostTensor.Span<T>(xc);
            Span<T> gs = HostTensor.Span<T>(result);
            int r0 = block * rowsPerBlock, r1 = Math.Min(b, r0 + rowsPerBlock);
            for (int i = r0; i < r1; i++)
            {
                int k0 = start[i], k1 = start[i + 1];
                if (k0 == k1) continue;
                T s = T.Zero;
                for (int k = k0; k < k1; k++) s += weight[k];
                var g = gs.Slice(i * dim, dim);
                WeightedSum(xs, dim, other.AsSpan(k0, k1 - k0), weight.AsSpan(k0, k1 - k0), g);
                var xi = xs.Slice(i * dim, dim);
                for (int d = 0; d < dim; d++)
                    g[d] = scale * (laplacian ? s * xi[d] - g[d] : g[d]);
            }
        });
        return result;
    }

    /// <summary>
    /// g = Σ_k weights[k]·x_(others[k]), in k order. Column chunks of eight vectors are accumulated in registers across
    /// the list (the list is the inner loop), so the rows of x are only read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightedSum<T>(ReadOnlySpan<T> xs, int dim, ReadOnlySpan<int> others, ReadOnlySpan<T> weights, Span<T> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T x = ref MemoryMarshal.GetReference(xs);
        ref T gr = ref MemoryMarshal.GetReference(g);
        int w = Vector256<T>.Count, chunk = 8 * w, c = 0, n = others.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; c + chunk <= dim; c += chunk)
            {
                Vector256<T> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
                for (int k = 0; k < n; k++)
                {
                    var v = Vector256.Create(weights[k]);
                    ref T xj = ref Unsafe.Add(ref x, (nint)others[k] * dim + c);
                    s0 += v * Vector256.LoadUnsafe(ref xj, 0);
                    s1 += v * Vector256.LoadUnsafe(ref xj, (nuint)w);
                    s2 += v * Vector256.LoadUnsafe(ref xj, (nuint)(2 * w));
                    s3 += v * Vector256.LoadUnsafe(ref xj, (nuint)(3 * w));
                    s4 += v * Vector256.LoadUnsafe(ref xj, (nuint)(4 * w));
                    s5 += v * Vector256.LoadUnsafe(ref xj, (nuint)(5 * w));
                    s6 += v * Vector256.LoadUnsafe(ref xj, (nuint)(6 * w));
                    s7 += v * Vector256.LoadUnsafe(ref xj, (nuint)(7 * w));
                }
                s0.StoreUnsafe(ref gr, (nuint)c); s1.StoreUnsafe(ref gr, (nuint)(c + w));
                s2.StoreUnsafe(ref gr, (nuint)(c + 2 * w)); s3.StoreUnsafe(ref gr, (nuint)(c + 3 * w));
                s4.StoreUnsafe(ref gr, (nuint)(c + 4 * w)); s5.StoreUnsafe(ref gr, (nuint)(c + 5 * w));
                s6.StoreUnsafe(ref gr, (nuint)(c + 6 * w)); s7.StoreUnsafe(ref gr, (nuint)(c + 7 * w));
            }
            for (; c + w <= dim; c += w)
            {
                Vector256<T> s0 = default;
                for (int k = 0; k < n; k++)
                    s0 += Vector256.Create(weights[k]) * Vector256.LoadUnsafe(ref Unsafe.Add(ref x, (nint)others[k] * dim + c));
                s0.StoreUnsafe(ref gr, (nuint)c);
            }
        }
        for (; c < dim; c++)
        {
            T sum = T.Zero;
            for (int k = 0; k < n; k++) sum += weights[k] * Unsafe.Add(ref x, (nint)others[k] * dim + c);
            Unsafe.Add(ref gr, c) = sum;
        }
    }
}
