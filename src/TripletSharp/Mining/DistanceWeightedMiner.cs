using System.Buffers;
using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>Distance-weighted sampling (Wu et al. 2017): for each anchor–positive pair one negative drawn with probability ∝ 1/q(d), seeded.</summary>
/// <remarks>
/// As PML's DistanceWeightedMiner: with n the embedding dimension and d the Euclidean distance between L2-normalised
/// embeddings clamped to ≥ <c>cutoff</c>, log w = (2 − n)·log d − ((n − 3)/2)·log(1 − d²/4); negatives with
/// d ≥ <c>nonzeroLossCutoff</c> get weight 0. Anchors whose negatives all lie beyond that cutoff are dropped (PML would
/// divide by zero). Draws come from a generator seeded at construction, so a sequence of calls is reproducible.
/// </remarks>
public sealed class DistanceWeightedMiner : BaseMiner
{
    private readonly Random _random;

    /// <summary>Creates the miner.</summary>
    /// <param name="cutoff">Lower clamp of the distance in the weight (&gt; 0).</param>
    /// <param name="nonzeroLossCutoff">Negatives at this distance or farther are never drawn (&gt; 0).</param>
    /// <param name="seed">Seed of the draws.</param>
    /// <param name="distance">Must be Euclidean on normalised embeddings (the default when null).</param>
    public DistanceWeightedMiner(double cutoff = 0.5, double nonzeroLossCutoff = 1.4, int seed = 0, BaseDistance? distance = null)
        : base(distance ?? new EuclideanDistance(normalizeEmbeddings: true))
    {
        Guard.Positive(cutoff, nameof(cutoff));
        Guard.Positive(nonzeroLossCutoff, nameof(nonzeroLossCutoff));
        if (Distance is not EuclideanDistance || !Distance.NormalizeEmbeddings)
            throw new ArgumentException("Distance-weighted sampling needs the Euclidean distance on normalised embeddings: pass new EuclideanDistance(normalizeEmbeddings: true) or null.", nameof(distance));
        Cutoff = cutoff;
        NonzeroLossCutoff = nonzeroLossCutoff;
        _random = new Random(seed);
    }

    /// <summary>Lower clamp of the distance in the weight.</summary>
    public double Cutoff { get; }

    /// <summary>Negatives at this distance or farther are never drawn.</summary>
    public double NonzeroLossCutoff { get; }

    /// <inheritdoc />
    public override string Name => "distance-weighted";

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels)
    {
        var table = PairTable.BuildHost(labels);
        if (table.ValidAnchorCount == 0) return Empty(distances);
        double n = EmbeddingDimension;
        if (!EngineSwitches.TorchOnly && HostTensor.IsKernelReady(distances))
        {
            int slots = SlotTriplets.Count(table);
            var uniform = ArrayPool<double>.Shared.Rent(slots);
            try
            {
                Uniform(uniform.AsSpan(0, slots));
                return Explicit(distances, table, chosen => DistanceWeightedKernel.Draw(distances, table, n, Cutoff, NonzeroLossCutoff, uniform, chosen));
            }
            finally
            {
                ArrayPool<double>.Shared.Return(uniform);
            }
        }
        table = table.WithTensors();
        // In place where possible: this runs on B×B matrices.
        var d = distances.clamp_min(Scalars.Of(Cutoff));
        var logW = d.log().mul_(Scalars.Of(2.0 - n));
        logW.sub_(d.mul_(d).mul_(Scalars.Of(-0.25)).add_(Scalars.One, Scalars.One).clamp_min_(Scalars.Of(1e-8)).log_().mul_(Scalars.Of((n - 3.0) / 2.0)));
        d.Dispose();
        var blocked = table.NegativeMask(0, table.Batch).logical_not_().logical_or_(distances.ge(Scalars.Of(NonzeroLossCutoff)));
        logW.masked_fill_(blocked, Scalars.NegativeInfinity);
        var hasAny = blocked.logical_not_().any(1);
        blocked.Dispose();
        var rowMax = logW.amax(new long[] { 1 }, keepdim: true).masked_fill_(hasAny.logical_not().unsqueeze(1), Scalars.Zero);
        var cdf = logW.sub_(rowMax).exp_().cumsum(1);
        logW.Dispose();
        var total = cdf.narrow(1, cdf.shape[1] - 1, 1);

        int b = table.Batch, k = Math.Max(table.K, 1);
        var u = new double[b * (long)k];
        Uniform(u);
        var draw = tensor(u, new long[] { b, k }, dtype: distances.dtype, device: distances.device).mul_(total);
        using var last = Scalars.Make(b - 1L);
        var choice = torch.searchsorted(cdf, draw, right: true).clamp_max_(last);
        var valid = table.PosValid.logical_and(hasAny.unsqueeze(1));
        var anchors = Scalars.Arange(b, distances.device).unsqueeze(1).expand(b, k).masked_select(valid);
        return Explicit(distances, anchors, table.PosIdx.masked_select(valid), choice.masked_select(valid));
    }

    /// <summary>Fills <paramref name="u"/> with one uniform draw per (anchor, positive slot), row-major, from the seeded generator.</summary>
    private void Uniform(Span<double> u)
    {
        for (int i = 0; i < u.Length; i++) u[i] = _random.NextDouble();
    }
}
