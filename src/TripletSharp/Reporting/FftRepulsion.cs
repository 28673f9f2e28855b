using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Reporting;

/// <summary>
/// The repulsive half of the t-SNE gradient by FFT-accelerated interpolation (FIt-SNE, Linderman et al. 2019; openTSNE's
/// default for large N): a square grid of intervals of fixed width (one map unit, openTSNE's widest) covers the map, each
/// interval with <see cref="DefaultNodesPerInterval"/> equispaced nodes per axis; every point spreads a unit charge onto the nodes of
/// its cell with Lagrange weights, the node grid is convolved by a zero-padded 2-D FFT with three kernels — the Cauchy kernel
/// (1 + ‖d‖²)⁻¹ for Z and its square times each offset component, d (1 + ‖d‖²)⁻², for the force — and the three fields
/// are interpolated back to every point with the same weights. O(N + G log G) per evaluation for G grid nodes, which
/// grows with the map's extent, not with N.
/// </summary>
/// <remarks>
/// FIt-SNE and openTSNE convolve one kernel with four charges (1, y₀, y₁, ‖y‖²) and recover the sums as
/// y_i φ₀ − φ₁ and (1 + ‖y_i‖²) φ₀ − 2 y_i·φ + φ₃, which cancels digits for points far from the origin; three kernels
/// and one charge cancel nothing, and since the interval width is fixed the kernels' spectra are computed only when the
/// grid grows: a call costs one forward and three inverse transforms (openTSNE: nine). Charges are spread in point order and
/// the fields gathered per point, and the FFT runs on the caller's torch threads, so a result is the same for the same
/// input, thread count and machine.
/// </remarks>
internal sealed class FftRepulsion : IRepulsion, IDisposable
{
    /// <summary>
    /// Interpolation nodes per interval and axis by default: 4, both ends included (3 node spacings per map unit, as
    /// openTSNE's 3 nodes at the interval's sixths, which extrapolate near its ends: a point's own term off by 13 % at an
    /// edge, the final KL 1–3 % above Barnes–Hut's). Repulsion error 0.7–1.2 %, as Barnes–Hut at θ = 0.5; 5 nodes give
    /// 0.2–0.3 % for 1.8× the grid and no better KL at 10,000 points.
    /// </summary>
    public const int DefaultNodesPerInterval = 4;

    private readonly int perInterval;
    private readonly int stride;

    // Lagrange nodes at a / (perInterval − 1) of a unit interval, both ends included (shared with the neighbours), so a
    // point is always interpolated between nodes, never extrapolated; and the constant denominators of the basis polynomials.
    private readonly double[] nodeAt;
    private readonly double[] denominators;

    private readonly double intervalWidth;
    private readonly int minIntervals;
    private int[] cell = [];
    private double[] weights = [];
    private double[] grid = [];
    private Tensor? kernelSpectra;
    private int kernelNodes = -1;

    /// <summary>Creates the method with intervals of <paramref name="intervalWidth"/> map units (openTSNE's largest, 1) and at least <paramref name="minIntervals"/> per axis.</summary>
    public FftRepulsion(double intervalWidth = 1.0, int minIntervals = 20, int nodesPerInterval = DefaultNodesPerInterval)
    {
        Guard.InRange(nodesPerInterval, 2, 8, nameof(nodesPerInterval));
        perInterval = nodesPerInterval;
        stride = nodesPerInterval - 1;
        nodeAt = Enumerable.Range(0, perInterval).Select(a => a / (double)stride).ToArray();
        denominators = Enumerable.Range(0, perInterval)
            .Select(a => Enumerable.Range(0, perInterval).Where(b => b != a).Aggregate(1.0, (acc, b) => acc * (nodeAt[a] - nodeAt[b]))).ToArray();
        this.intervalWidth = intervalWidth;
        this.minIntervals = minIntervals;
    }

    /// <summary>Intervals per axis of the last evaluation (for tests and measurements).</summary>
    public int LastIntervals { get; private set; }

    /// <inheritdoc />
    public double Compute(double[] y, int n, double[] repel)
    {
        double minX = double.PositiveInfinity, minY = double.PositiveInfinity, maxX = double.NegativeInfinity, maxY = double.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            minX = Math.Min(minX, y[2 * i]); maxX = Math.Max(maxX, y[2 * i]);
            minY = Math.Min(minY, y[2 * i + 1]); maxY = Math.Max(maxY, y[2 * i + 1]);
        }
        // A fixed interval width: the kernels between nodes then depend only on the grid's size, which changes only when
        // the map outgrows it, so their spectra are computed once per size, not once per call.
        double width = intervalWidth, side = Math.Max(maxX - minX, maxY - minY);
        int intervals = Math.Max(minIntervals, (int)Math.Ceiling(side / width) + 1);
        LastIntervals = intervals;
        double lowX = (minX + maxX - intervals * width) / 2, lowY = (minY + maxY - intervals * width) / 2;
        // Circulants of at least 2m − 1 (linear, not circular, convolution), of a length the FFT is fast for.
        int m = intervals * stride + 1, len = SmoothAtLeast(2 * m), plane = m * m;

        // Each point's cell and its 3 + 3 Lagrange weights.
        if (cell.Length < 2 * n) { cell = new int[2 * n]; weights = new double[2 * perInterval * n]; }
        Parallel.For(0, n, i =>
        {
            for (int axis = 0; axis < 2; axis++)
            {
                double t = (y[2 * i + axis] - (axis == 0 ? lowX : lowY)) / width;
                int c = Math.Clamp((int)Math.Floor(t), 0, intervals - 1);
                cell[2 * i + axis] = c;
                double u = t - c;
                for (int a = 0; a < perInterval; a++)
                {
                    double w = 1;
                    for (int b = 0; b < perInterval; b++) if (b != a) w *= u - nodeAt[b];
                    weights[(2 * i + axis) * perInterval + a] = w / denominators[a];
                }
            }
        });

        // Spread the unit charges onto the node grid, in point order.
        if (grid.Length != plane) grid = new double[plane];
        else Array.Clear(grid);
        for (int i = 0; i < n; i++)
        {
            int gx = cell[2 * i] * stride, gy = cell[2 * i + 1] * stride, wx = 2 * i * perInterval, wy = (2 * i + 1) * perInterval;
            for (int a = 0; a < perInterval; a++)
                for (int b = 0; b < perInterval; b++)
                    grid[(gx + a) * m + gy + b] += weights[wx + a] * weights[wy + b];
        }

        if (kernelNodes != m) { kernelSpectra?.Dispose(); kernelSpectra = KernelSpectra(m, len, width / stride); kernelNodes = m; }
        var fields = Convolve(m, len);

        // Gather the fields at each point; Z per point (less its own unit term), summed in point order.
        var zPart = new double[n];
        Parallel.For(0, n, i =>
        {
            int gx = cell[2 * i] * stride, gy = cell[2 * i + 1] * stride, wx = 2 * i * perInterval, wy = (2 * i + 1) * perInterval;
            double z = 0, fx = 0, fy = 0;
            for (int a = 0; a < perInterval; a++)
                for (int b = 0; b < perInterval; b++)
                {
                    double w = weights[wx + a] * weights[wy + b];
                    int at = (gx + a) * m + gy + b;
                    z += w * fields[at]; fx += w * fields[plane + at]; fy += w * fields[2 * plane + at];
                }
            repel[2 * i] = fx;
            repel[2 * i + 1] = fy;
            zPart[i] = z - 1;
        });
        double zSum = 0;
        for (int i = 0; i < n; i++) zSum += zPart[i];
        return zSum;
    }

    /// <summary>
    /// The spectra (rfft2) of the three kernels between the nodes of an m × m grid of spacing <paramref name="h"/>, each
    /// as the first column of a <paramref name="len"/>² circulant, len ≥ 2m (offsets −m &lt; d &lt; m, the rest zero): (1 + ‖d‖²)⁻¹ (even in both
    /// axes), d₀ (1 + ‖d‖²)⁻² (odd in the first), d₁ (1 + ‖d‖²)⁻² (odd in the second).
    /// </summary>
    private static Tensor KernelSpectra(int m, int len, double h)
    {
        int area = len * len;
        var kernels = new double[3 * area];
        for (int di = 0; di < m; di++)
            for (int dj = 0; dj < m; dj++)
            {
                double dx = di * h, dy = dj * h, q = 1 / (1 + dx * dx + dy * dy), fx = dx * q * q, fy = dy * q * q;
                int ri = di == 0 ? 0 : len - di, rj = dj == 0 ? 0 : len - dj;
                int pp = di * len + dj, np = ri * len + dj, pn = di * len + rj, nn = ri * len + rj;
                kernels[pp] = q; kernels[np] = q; kernels[pn] = q; kernels[nn] = q;
                kernels[area + pp] = fx; kernels[area + np] = -fx; kernels[area + pn] = fx; kernels[area + nn] = -fx;
                kernels[2 * area + pp] = fy; kernels[2 * area + np] = fy; kernels[2 * area + pn] = -fy; kernels[2 * area + nn] = -fy;
            }
        using var scope = torch.NewDisposeScope();
        return torch.fft.rfft2(torch.tensor(kernels, [3, len, len], ScalarType.Float64)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The m × m charge grid convolved with the three kernels: len × len circular convolutions by FFT, in which only the
    /// first m rows of the charges are non-zero and only the first m rows and columns of each result are kept.
    /// </summary>
    private double[] Convolve(int m, int len)
    {
        using var scope = torch.NewDisposeScope();
        var charges = torch.tensor(grid, [1, m, m], ScalarType.Float64);
        var spectrum = torch.fft.fft_(torch.fft.rfft(charges, len, 2), len, 1);
        var product = spectrum.mul(kernelSpectra!);
        var rows = torch.fft.ifft(product, len, 1).narrow(1, 0, m);
        var result = torch.fft.irfft(rows, len, 2).narrow(2, 0, m).contiguous();
        return result.data<double>().ToArray();
    }

    /// <summary>Releases the cached kernel spectra.</summary>
    public void Dispose()
    {
        kernelSpectra?.Dispose();
        kernelSpectra = null;
        kernelNodes = -1;
    }

    /// <summary>The smallest integer ≥ <paramref name="n"/> whose only prime factors are 2, 3 and 5 (fast FFT lengths).</summary>
    internal static int SmoothAtLeast(int n)
    {
        for (int k = Math.Max(n, 1); ; k++)
        {
            int r = k;
            foreach (int f in (ReadOnlySpan<int>)[2, 3, 5]) while (r % f == 0) r /= f;
            if (r == 1) return k;
        }
    }
}
