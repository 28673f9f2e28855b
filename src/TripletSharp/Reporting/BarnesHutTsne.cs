using System.Runtime.CompilerServices;
using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Search;
using static TorchSharp.torch;

namespace TripletSharp.Reporting;

/// <summary>
/// Barnes–Hut t-SNE (van der Maaten 2014), the method scikit-learn and openTSNE use by default: P is sparse, over each
/// point's ⌊3·perplexity⌋ + 1 nearest neighbours (found with the exact k-NN of <see cref="ExactKnn"/>), so the
/// attractive forces cost O(N·k); the repulsive forces and the normaliser Z are approximated with a quadtree, summarising
/// a cell by its centre of mass when its width / distance is below θ. O(N log N) per iteration instead of O(N²).
/// Plain double-precision arrays: each point's forces are computed independently (threads split the points) and added in
/// point order, so a map is the same for a seed whatever the thread count.
/// </summary>
/// <remarks>
/// The loops a fit runs millions of times are compiled fully optimised from their first call
/// (<see cref="MethodImplOptions.AggressiveOptimization"/>): a report fits one map per process, and in tier-0 code
/// (then on-stack replacement) a 2,000-point map took 1.2–1.5 s instead of 0.8 s before the tiered JIT caught up.
/// </remarks>
internal static class BarnesHutTsne
{
    /// <summary>A symmetric sparse matrix in compressed rows: row i is <c>Cols/Vals[RowStart[i] .. RowStart[i+1])</c>.</summary>
    internal sealed record SparseMatrix(int N, int[] RowStart, int[] Cols, double[] Vals);

    /// <summary>Neighbours per point for <paramref name="perplexity"/>: scikit-learn's min(N − 1, ⌊3·perplexity + 1⌋).</summary>
    internal static int NeighborCount(double perplexity, long n) => (int)Math.Min(n - 1, Math.Floor(3 * perplexity + 1));

    /// <summary>
    /// Sparse joint probabilities: per point, the conditional distribution over its nearest neighbours with the same
    /// bisection as the exact method (entropy log(perplexity) to 1e-5, at most 100 steps), then P = (P + Pᵀ) / ΣP.
    /// </summary>
    internal static SparseMatrix JointProbabilities(Tensor x, double perplexity)
    {
        long n = x.shape[0];
        int k = NeighborCount(perplexity, n);
        int dim = (int)x.shape[1];
        double[] xd;
        var nbr = new long[n * k];
        using (var scope = torch.NewDisposeScope())
        {
            var x32 = x.detach().to_type(ScalarType.Float32).cpu().contiguous();
            // The neighbours only; their distances are recomputed in double below, so the exact re-measuring that
            // ExactKnn.Search adds for its callers (~0.8 s for 2,000 × 91 neighbours) is skipped.
            ExactKnn.SearchBlocks(x32, x32, k, block => block.Indices.data<long>().CopyTo(nbr.AsSpan((int)(block.Start * k))),
                new SquaredEuclideanDistance(), excludeSelf: true);
            xd = x.detach().to_type(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        }

        // Conditional rows, squared distances recomputed in double from the data (the search ranks in float32).
        var cond = new double[n * k];
        Parallel.For(0, (int)n, i =>
        {
            var dist = new double[k];
            for (int j = 0; j < k; j++)
            {
                long o = nbr[i * k + j];
                double s = 0;
                for (int c = 0; c < dim; c++) { double t = xd[i * dim + c] - xd[o * dim + c]; s += t * t; }
                dist[j] = s;
            }
            ConditionalRow(dist, perplexity, cond.AsSpan((int)(i * k), k));
        });

        // Symmetrise: every (i, j) entry and its mirror, summed where both exist, in row-major order.
        long m = n * k;
        var keys = new long[2 * m];
        var vals = new double[2 * m];
        for (long i = 0; i < n; i++)
            for (int j = 0; j < k; j++)
            {
                long e = i * k + j, o = nbr[e];
                keys[2 * e] = i * n + o; vals[2 * e] = cond[e];
                keys[2 * e + 1] = o * n + i; vals[2 * e + 1] = cond[e];
            }
        Array.Sort(keys, vals);
        var rowStart = new int[n + 1];
        var cols = new List<int>((int)m);
        var pv = new List<double>((int)m);
        double total = 0;
        for (long e = 0; e < keys.Length;)
        {
            long key = keys[e];
            double v = 0;
            for (; e < keys.Length && keys[e] == key; e++) v += vals[e];
            int row = (int)(key / n);
            rowStart[row + 1]++;
            cols.Add((int)(key % n));
            pv.Add(v);
            total += v;
        }
        for (int i = 0; i < n; i++) rowStart[i + 1] += rowStart[i];
        double scale = 1.0 / Math.Max(total, Tsne.MachineEpsilon);
        var p = pv.ToArray();
        for (int e = 0; e < p.Length; e++) p[e] *= scale;
        return new SparseMatrix((int)n, rowStart, cols.ToArray(), p);
    }

    /// <summary>One row of conditional probabilities over its neighbours' squared distances (written to <paramref name="row"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ConditionalRow(ReadOnlySpan<double> squaredDistances, double perplexity, Span<double> row, int maxSteps = 100, double tolerance = 1e-5)
    {
        int k = squaredDistances.Length;
        double min = double.PositiveInfinity;
        foreach (var v in squaredDistances) min = Math.Min(min, v);
        double target = Math.Log(perplexity), beta = 1, lo = double.NegativeInfinity, hi = double.PositiveInfinity;
        for (int s = 0; s < maxSteps; s++)
        {
            double sum = 0;
            for (int j = 0; j < k; j++) { row[j] = Math.Exp(-(squaredDistances[j] - min) * beta); sum += row[j]; }
            sum = Math.Max(sum, 1e-8);
            double weighted = 0;
            for (int j = 0; j < k; j++) { row[j] /= sum; weighted += (squaredDistances[j] - min) * row[j]; }
            double diff = Math.Log(sum) + beta * weighted - target;
            if (Math.Abs(diff) <= tolerance) break;
            if (diff > 0) { lo = beta; beta = double.IsPositiveInfinity(hi) ? beta * 2 : (beta + hi) / 2; }
            else { hi = beta; beta = double.IsNegativeInfinity(lo) ? beta / 2 : (beta + lo) / 2; }
        }
    }

    /// <summary>
    /// ∂KL/∂y = 4 (Σ_j p_ij num_ij (y_i − y_j) − Σ_j num_ij² (y_i − y_j) / Z), the second sum and Z from the quadtree.
    /// <paramref name="y"/> holds N×2 coordinates (x0, y0, x1, y1, …); <paramref name="grad"/> receives the same layout.
    /// </summary>
    internal static void Gradient(SparseMatrix p, double pScale, double[] y, double theta, double[] grad) =>
        new TreeGradient(p.N).Compute(p, pScale, y, theta, grad);

    /// <summary>
    /// The quadtree gradient with its tree and buffers kept from one iteration to the next: an iteration allocates
    /// nothing, so the optimiser's hundreds of iterations leave no garbage for the collector.
    /// </summary>
    internal sealed class TreeGradient(int n)
    {
        private readonly QuadTree tree = new();
        private readonly double[] repel = new double[2 * n], zPart = new double[n];
        private readonly uint[] keys = new uint[n];
        private readonly int[] order = new int[n];

        /// <summary>Writes the gradient of <paramref name="y"/> to <paramref name="grad"/>, as <see cref="Gradient(SparseMatrix, double, double[], double, double[])"/>.</summary>
        public void Compute(SparseMatrix p, double pScale, double[] y, double theta, double[] grad)
        {
            int n = p.N;
            tree.Rebuild(y, n);
            double theta2 = theta * theta;
            SpatialOrder(y, n, tree.Bounds, keys, order);
            Parallel.For(0, n, k =>
            {
                int i = order[k];
                Attraction(p, pScale, y, i, grad);
                var (rx, ry, z) = tree.Repulsion(y[2 * i], y[2 * i + 1], theta2);
                repel[2 * i] = rx; repel[2 * i + 1] = ry;
                zPart[i] = z;
            });
            double zSum = 0;
            for (int i = 0; i < n; i++) zSum += zPart[i];
            Combine(grad, repel, zSum);
        }
    }

    /// <summary>
    /// The points in Morton (Z-curve) order of their map coordinates: threads take contiguous runs of this order, so
    /// neighbouring points walk the same quadtree cells one after another and find them in cache. Any order gives the
    /// same per-point sums; only the speed depends on it.
    /// </summary>
    internal static int[] SpatialOrder(double[] y, int n)
    {
        var order = new int[n];
        SpatialOrder(y, n, QuadTree.BoundsOf(y, n), new uint[n], order);
        return order;
    }

    /// <summary><see cref="SpatialOrder(double[], int)"/> within the points' <paramref name="bounds"/>, into <paramref name="order"/> (<paramref name="keys"/>: scratch).</summary>
    private static void SpatialOrder(double[] y, int n, (double MinX, double MinY, double MaxX, double MaxY) bounds, uint[] keys, int[] order)
    {
        var (minX, minY, maxX, maxY) = bounds;
        double sx = maxX > minX ? 65535 / (maxX - minX) : 0, sy = maxY > minY ? 65535 / (maxY - minY) : 0;
        for (int i = 0; i < n; i++)
        {
            keys[i] = Spread((uint)((y[2 * i] - minX) * sx)) | (Spread((uint)((y[2 * i + 1] - minY) * sy)) << 1);
            order[i] = i;
        }
        Array.Sort(keys, order, 0, n);

        // The low 16 bits of v moved to the even bit positions.
        static uint Spread(uint v)
        {
            v &= 0xFFFF;
            v = (v | (v << 8)) & 0x00FF00FF;
            v = (v | (v << 4)) & 0x0F0F0F0F;
            v = (v | (v << 2)) & 0x33333333;
            return (v | (v << 1)) & 0x55555555;
        }
    }

    /// <summary>The same gradient with the repulsion and Z from <paramref name="repulsion"/> (FFT interpolation or all pairs).</summary>
    internal static void Gradient(SparseMatrix p, double pScale, double[] y, IRepulsion repulsion, double[] grad, double[]? repel = null)
    {
        int n = p.N;
        repel ??= new double[2 * n];
        // The attraction needs nothing of the repulsion: it runs beside it (the FFT's spread and transforms are single-threaded).
        var attraction = Task.Run(() => Parallel.For(0, n, i => Attraction(p, pScale, y, i, grad)));
        double z = repulsion.Compute(y, n, repel);
        attraction.Wait();
        Combine(grad, repel, z);
    }

    /// <summary>Σ_j p_ij · <paramref name="pScale"/> · num_ij (y_i − y_j) of point <paramref name="i"/>, written to <paramref name="grad"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Attraction(SparseMatrix p, double pScale, double[] y, int i, double[] grad)
    {
        double yi0 = y[2 * i], yi1 = y[2 * i + 1];
        double ax = 0, ay = 0;
        for (int e = p.RowStart[i]; e < p.RowStart[i + 1]; e++)
        {
            int j = p.Cols[e];
            double dx = yi0 - y[2 * j], dy = yi1 - y[2 * j + 1];
            double w = p.Vals[e] * pScale / (1 + dx * dx + dy * dy);
            ax += w * dx; ay += w * dy;
        }
        grad[2 * i] = ax; grad[2 * i + 1] = ay;
    }

    /// <summary>grad ← 4 (attraction − repulsion / Z).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Combine(double[] grad, double[] repel, double z)
    {
        double invZ = 1.0 / Math.Max(z, Tsne.MachineEpsilon);
        for (int i = 0; i < grad.Length; i++) grad[i] = 4 * (grad[i] - repel[i] * invZ);
    }

    /// <summary>KL(P‖Q) of the map for the sparse P, with the exact normaliser Z = Σ_{i≠j} (1 + ‖y_i − y_j‖²)⁻¹.</summary>
    internal static double KlDivergence(SparseMatrix p, double[] y)
    {
        int n = p.N;
        var zPart = new double[n];
        Parallel.For(0, n, i => zPart[i] = ZRow(y, n, i));
        double z = 0;
        foreach (var v in zPart) z += v;
        double kl = 0;
        for (int i = 0; i < n; i++)
            for (int e = p.RowStart[i]; e < p.RowStart[i + 1]; e++)
            {
                double pij = p.Vals[e];
                if (pij <= 0) continue;
                int j = p.Cols[e];
                double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
                double q = Math.Max(1 / (1 + dx * dx + dy * dy) / z, Tsne.MachineEpsilon);
                kl += pij * Math.Log(pij / q);
            }
        return kl;
    }

    /// <summary>Σ_{j≠i} (1 + ‖y_i − y_j‖²)⁻¹ over the first <paramref name="n"/> points, in index order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double ZRow(double[] y, int n, int i)
    {
        double s = 0, a = y[2 * i], b = y[2 * i + 1];
        for (int j = 0; j < n; j++)
        {
            if (j == i) continue;
            double dx = a - y[2 * j], dy = b - y[2 * j + 1];
            s += 1 / (1 + dx * dx + dy * dy);
        }
        return s;
    }

    /// <summary>
    /// Gradient descent as the exact method (momentum 0.5 then 0.8, per-coordinate gains, early exaggeration) on the
    /// sparse-P gradient, its repulsion by the quadtree, by FFT interpolation (<see cref="TsneOptions.UsesFft"/>) or over all pairs (<see cref="TsneOptions.UsesDirect"/>), step size <paramref name="earlyRate"/> during early exaggeration and <paramref name="lateRate"/>
    /// after it; <paramref name="y"/> is updated in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Optimise(SparseMatrix p, double[] y, TsneOptions options, double earlyRate, double lateRate)
    {
        int len = y.Length;
        var update = new double[len];
        var gains = new double[len];
        var grad = new double[len];
        Array.Fill(gains, 1.0);
        using var fft = options.UsesFft(p.N) ? new FftRepulsion() : null;
        IRepulsion? repulsion = fft is not null ? fft : options.UsesDirect(p.N) ? new DirectRepulsion(p.N) : null;
        var tree = repulsion is null ? new TreeGradient(p.N) : null;
        var repel = repulsion is null ? null : new double[len];
        for (int it = 0; it < options.Iterations; it++)
        {
            bool early = it < options.ExaggerationIterations;
            double momentum = early ? 0.5 : 0.8, learningRate = early ? earlyRate : lateRate, scale = early ? options.EarlyExaggeration : 1.0;
            if (repulsion is not null) Gradient(p, scale, y, repulsion, grad, repel);
            else tree!.Compute(p, scale, y, options.Theta, grad);
            for (int c = 0; c < len; c++)
            {
                // Gains grow where the gradient keeps the step's direction reversed, shrink where it agrees (Jacobs 1988).
                gains[c] = update[c] * grad[c] < 0 ? gains[c] + 0.2 : Math.Max(gains[c] * 0.8, 0.01);
                update[c] = momentum * update[c] - learningRate * gains[c] * grad[c];
                y[c] += update[c];
            }
        }
    }
}
