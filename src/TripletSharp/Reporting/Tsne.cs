using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Reporting;

/// <summary>
/// t-SNE (van der Maaten and Hinton 2008): per-point Gaussian bandwidths by binary search on the perplexity, symmetric
/// joint probabilities P, Student-t similarities Q in 2-D, and gradient descent on KL(P‖Q) with momentum, per-coordinate
/// gains and early exaggeration, as scikit-learn. Methods (<see cref="TsneOptions.Method"/>): Barnes–Hut (sparse P over
/// the nearest neighbours and a quadtree for the repulsion, O(N log N) per iteration, seconds for thousands of points),
/// FFT (the same sparse P, the repulsion by FFT-accelerated interpolation; cheaper for large N), auto (the default:
/// FFT from <see cref="TsneOptions.FftMinPoints"/> points, Barnes–Hut below) and exact (dense P and Q with TorchSharp tensor operations, O(N²) memory and time per iteration).
/// </summary>
internal sealed class Tsne
{
    internal const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>Creates the algorithm with <paramref name="options"/> (defaults when null).</summary>
    public Tsne(TsneOptions? options = null)
    {
        Options = options ?? new TsneOptions();
        Options.Validate();
    }

    /// <summary>The settings.</summary>
    public TsneOptions Options { get; }

    /// <summary>Embeds the rows of <paramref name="x"/> in 2-D.</summary>
    /// <param name="x">N×D data (floating point, any device), N ≥ 2.</param>
    /// <returns>N×2 float32 coordinates on the device of <paramref name="x"/>.</returns>
    public Tensor Fit(Tensor x) => FitWithDivergence(x).Embedding;

    /// <summary>Step size of the early-exaggeration phase (<paramref name="early"/>) or of the rest for <paramref name="n"/> points.</summary>
    internal double LearningRate(long n, bool early) =>
        Options.LearningRate ?? Math.Max(n / (early ? Options.EarlyExaggeration : 1.0) / 4.0, 50.0);

    /// <summary>The map and its KL divergence; <paramref name="pca"/>, when given, is <see cref="Pca.Project"/> of <paramref name="x"/> (2 axes), reused for the initialisation.</summary>
    internal (Tensor Embedding, double KlDivergence) FitWithDivergence(Tensor x, Tensor? pca = null)
    {
        Guard.Embeddings(x, nameof(x));
        if (x.shape[0] < 2) throw new ArgumentException($"'{nameof(x)}' needs at least 2 rows for t-SNE, got {x.shape[0]}.", nameof(x));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        long n = x.shape[0];
        double perplexity = EffectivePerplexity(Options.Perplexity, n);
        double earlyLr = LearningRate(n, early: true), lateLr = LearningRate(n, early: false);
        // The sparse P's k-NN search is one large pass and uses every thread; the iterations are many small ones.
        var sparse = Options.Method != TsneMethod.Exact ? BarnesHutTsne.JointProbabilities(x, perplexity) : null;
        using var oneThread = x.device.type == DeviceType.CPU ? new SingleIntraOpThread() : null;
        if (sparse is not null)
        {
            using var init = Initialise(x, pca);
            var coords = init.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            BarnesHutTsne.Optimise(sparse, coords, Options, earlyLr, lateLr);
            var map = torch.tensor(coords, [n, 2], ScalarType.Float64).to_type(ScalarType.Float32).to(x.device);
            return (map.MoveToOuterDisposeScope(), BarnesHutTsne.KlDivergence(sparse, coords));
        }
        var p = JointProbabilities(SquaredDistances(x.to_type(ScalarType.Float64)), perplexity).to_type(ScalarType.Float32);
        var y = Initialise(x, pca);
        using var earlyLrScalar = Scalars.Make(earlyLr);
        using var lateLrScalar = Scalars.Make(lateLr);
        using var exaggeration = Scalars.Make(Options.EarlyExaggeration);
        var update = torch.zeros_like(y);
        var gains = torch.ones_like(y);
        var pExaggerated = p.mul(exaggeration);
        for (int it = 0; it < Options.Iterations; it++)
        {
            bool early = it < Options.ExaggerationIterations;
            var momentum = Scalars.Of(early ? 0.5 : 0.8);
            using var step = torch.NewDisposeScope();
            var grad = Gradient(early ? pExaggerated : p, y);
            // Gains grow where the gradient keeps the step's direction reversed, shrink where it agrees (Jacobs 1988).
            var flip = (update * grad).lt(Scalars.I0);
            gains.copy_(torch.where(flip, gains.add(Scalars.Of(0.2), Scalars.One), gains.mul(Scalars.Of(0.8))).clamp_min(Scalars.Of(0.01)));
            update.mul_(momentum).sub_((gains * grad).mul(early ? earlyLrScalar : lateLrScalar));
            y.add_(update, Scalars.One);
        }
        double kl = KlDivergence(p, y);
        return (y.MoveToOuterDisposeScope(), kl);
    }

    /// <summary>Perplexity capped so that every point has enough neighbours for it (scikit-learn needs perplexity &lt; N).</summary>
    internal static double EffectivePerplexity(double perplexity, long n) => Math.Max(1.0, Math.Min(perplexity, (n - 1) / 3.0));

    /// <summary>N×N squared Euclidean distances, computed in the dtype of <paramref name="x"/>, zero diagonal.</summary>
    internal static Tensor SquaredDistances(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var sq = (x * x).sum(1);
        var d = (sq.unsqueeze(1).add(sq.unsqueeze(0), Scalars.One) - x.matmul(x.t()).mul(Scalars.Of(2L))).clamp_min(Scalars.I0);
        d.diagonal().fill_(Scalars.I0);
        return d.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Row-conditional probabilities p(j|i) = exp(−β_i D_ij) / Σ_k exp(−β_i D_ik), with β_i found by bisection so that
    /// the entropy of row i is log(<paramref name="perplexity"/>) (natural log), to 1e-5, in at most 100 steps; all
    /// rows are searched at once. <paramref name="squaredDistances"/> is N×N with the self distances on the diagonal.
    /// </summary>
    internal static Tensor ConditionalProbabilities(Tensor squaredDistances, double perplexity, int maxSteps = 100, double tolerance = 1e-5)
    {
        using var scope = torch.NewDisposeScope();
        long n = squaredDistances.shape[0];
        var device = squaredDistances.device;
        var d = squaredDistances.to_type(ScalarType.Float64);
        var self = torch.eye(n, dtype: ScalarType.Bool, device: device);
        // Shifting each row by its smallest off-diagonal distance changes neither p(j|i) nor the entropy but keeps
        // exp() from underflowing to an all-zero row for far-apart points.
        var rowMin = d.masked_fill(self, Scalars.PositiveInfinity).amin([1], keepdim: true);
        d = (d - rowMin).masked_fill(self, Scalars.I0);
        var beta = torch.ones(n, 1, dtype: ScalarType.Float64, device: device);
        var betaMin = torch.full(n, 1, Scalars.NegativeInfinity, dtype: ScalarType.Float64, device: device);
        var betaMax = torch.full(n, 1, Scalars.PositiveInfinity, dtype: ScalarType.Float64, device: device);
        using var target = Scalars.Make(Math.Log(perplexity));
        using var tol = Scalars.Make(tolerance);
        var two = Scalars.Of(2L);
        Tensor pRows = null!;
        for (int s = 0; s < maxSteps; s++)
        {
            pRows = torch.exp(-d * beta).masked_fill(self, Scalars.I0);
            var sum = pRows.sum(1, keepdim: true).clamp_min(Scalars.Of(1e-8));
            pRows = pRows / sum;
            var entropy = sum.log().add(beta * (d * pRows).sum(1, keepdim: true), Scalars.One);
            var diff = entropy.sub(target);
            var active = diff.abs().gt(tol);
            if (!active.any().item<bool>()) break;
            var tooFlat = diff.gt(Scalars.I0); // entropy too high: narrow the kernel (raise β)
            betaMin = torch.where(active & tooFlat, beta, betaMin);
            betaMax = torch.where(active & ~tooFlat, beta, betaMax);
            var up = torch.where(betaMax.isinf(), beta.mul(two), beta.add(betaMax, Scalars.One).div(two));
            var down = torch.where(betaMin.isinf(), beta.div(two), beta.add(betaMin, Scalars.One).div(two));
            beta = torch.where(active, torch.where(tooFlat, up, down), beta);
        }
        return pRows.MoveToOuterDisposeScope();
    }

    /// <summary>Symmetric joint probabilities P = (P_cond + P_condᵀ) / ΣP, floored at machine epsilon as scikit-learn.</summary>
    internal static Tensor JointProbabilities(Tensor squaredDistances, double perplexity)
    {
        using var scope = torch.NewDisposeScope();
        var cond = ConditionalProbabilities(squaredDistances, perplexity);
        var p = cond.add(cond.t(), Scalars.One);
        p = (p / p.sum()).clamp_min(Scalars.Of(MachineEpsilon));
        p.diagonal().fill_(Scalars.I0);
        return p.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ∂KL/∂Y = 4 Σ_j (p_ij − q_ij) num_ij (y_i − y_j) with num_ij = (1 + ‖y_i − y_j‖²)⁻¹ and q_ij = num_ij / Z.
    /// With W = P∘num − num∘num / Z this is 4 (rowsum(W) y − W y). The N×N work goes in row blocks of about four megabytes,
    /// so it stays in cache and P is read once per iteration: at N = 2,000 memory passes, not arithmetic, bound the time.
    /// Both products use [y, 1] so one matrix product gives W y and rowsum(W) together; Z is applied at the end.
    /// </summary>
    internal static Tensor Gradient(Tensor p, Tensor y, int blockRows = 0)
    {
        using var scope = torch.NewDisposeScope();
        long n = y.shape[0];
        if (blockRows <= 0) blockRows = (int)Math.Clamp(1_048_576 / n, 1, n);
        var sq = (y * y).sum(1);
        var sqPlusOne = sq.add(Scalars.I1, Scalars.One).unsqueeze(0);
        var yT = y.t();
        var y1 = torch.cat([y, torch.ones(n, 1, dtype: y.dtype, device: y.device)], 1);
        var attract = new List<Tensor>();
        var repel = new List<Tensor>();
        var z = torch.zeros(1, dtype: y.dtype, device: y.device);
        for (long start = 0; start < n; start += blockRows)
        {
            long rows = Math.Min(blockRows, n - start);
            var num = sq.narrow(0, start, rows).unsqueeze(1).add(sqPlusOne, Scalars.One);
            num.addmm_(y.narrow(0, start, rows), yT, beta: 1, alpha: -2);
            num.reciprocal_();
            num.diagonal(start).fill_(Scalars.I0);
            z.add_(num.sum(), Scalars.One);
            attract.Add((num * p.narrow(0, start, rows)).matmul(y1));
            repel.Add(num.mul_(num).matmul(y1));
        }
        var wy1 = torch.cat(attract, 0) - torch.cat(repel, 0) / z;
        var grad = (wy1.narrow(1, 2, 1) * y - wy1.narrow(1, 0, 2)).mul_(Scalars.Of(4L));
        return grad.MoveToOuterDisposeScope();
    }

    /// <summary>(1 + ‖y_i − y_j‖²)⁻¹ with a zero diagonal.</summary>
    private static Tensor StudentT(Tensor y)
    {
        var sq = (y * y).sum(1);
        var num = sq.unsqueeze(1).add(sq.add(Scalars.I1, Scalars.One).unsqueeze(0), Scalars.One);
        num.addmm_(y, y.t(), beta: 1, alpha: -2);
        // Rounding can make 1 + ‖·‖² a hair below 1 for coincident points; it never reaches 0.
        num.clamp_min_(Scalars.I1).reciprocal_();
        num.diagonal().fill_(Scalars.I0);
        return num;
    }

    /// <summary>KL(P‖Q) of the map <paramref name="y"/>, in float64.</summary>
    internal static double KlDivergence(Tensor p, Tensor y)
    {
        using var scope = torch.NewDisposeScope();
        var num = StudentT(y.to_type(ScalarType.Float64));
        var q = (num / num.sum()).clamp_min(Scalars.Of(MachineEpsilon));
        var pd = p.to_type(ScalarType.Float64);
        return (pd * (pd / q).log()).masked_fill(pd.le(Scalars.I0), Scalars.I0).sum().item<double>();
    }

    private Tensor Initialise(Tensor x, Tensor? projection)
    {
        using var scope = torch.NewDisposeScope();
        var pca = (projection ?? Pca.Project(x.to_type(ScalarType.Float64), 2)).to_type(ScalarType.Float64);
        double std = pca[.., 0].std().item<double>();
        Tensor y;
        if (std > 1e-12 && double.IsFinite(std))
        {
            // scikit-learn's "pca" init: first axis scaled to std 1e-4 so that early steps are not dominated by it.
            using var stdScalar = Scalars.Make(std);
            y = pca.div(stdScalar).mul(Scalars.Of(1e-4));
        }
        else
        {
            var gen = new torch.Generator((ulong)Options.Seed, x.device);
            y = torch.randn(x.shape[0], 2, dtype: ScalarType.Float64, device: x.device, generator: gen).mul(Scalars.Of(1e-4));
        }
        return y.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs the caller's CPU tensor work on one intra-op thread and then restores the count seen by the first concurrent user.
    /// t-SNE makes thousands of small memory-bound passes; on a busy 2-core machine (parallel tests, other jobs) OpenMP
    /// workers spin at every pass and one iteration took 5–30× longer than on one thread, which gains little when idle.
    /// </summary>
    private sealed class SingleIntraOpThread : IDisposable
    {
        private static readonly object Gate = new();
        private static int _users;
        private static int _saved;

        public SingleIntraOpThread()
        {
            lock (Gate)
            {
                if (_users++ == 0) _saved = torch.get_num_threads();
                torch.set_num_threads(1);
            }
        }

        public void Dispose()
        {
            lock (Gate)
            {
                // The setting is per OpenMP thread (plus a default for new threads): every user restores its own.
                _users--;
                torch.set_num_threads(_saved);
            }
        }
    }
}
