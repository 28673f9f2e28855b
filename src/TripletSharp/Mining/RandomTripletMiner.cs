using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>Random triplets: k random valid triplets per anchor, seeded.</summary>
/// <remarks>
/// For every anchor with a positive and a negative, <c>tripletsPerAnchor</c> triplets whose positive and negative are
/// drawn uniformly (with replacement). Draws come from a generator seeded at construction. With a match matrix (multi-label
/// or a custom relation) the j-th negative is counted in index order instead of label order: the same distribution, other
/// triplets than with the same batch's single labels.
/// </remarks>
public sealed class RandomTripletMiner : BaseMiner
{
    private readonly Random _random;

    /// <summary>Creates the miner.</summary>
    /// <param name="tripletsPerAnchor">k (&gt; 0).</param>
    /// <param name="seed">Seed of the draws.</param>
    /// <param name="distance">Measure for the statistics (Euclidean when null).</param>
    public RandomTripletMiner(int tripletsPerAnchor = 1, int seed = 0, BaseDistance? distance = null) : base(distance)
    {
        Guard.Positive(tripletsPerAnchor, nameof(tripletsPerAnchor));
        TripletsPerAnchor = tripletsPerAnchor;
        _random = new Random(seed);
    }

    /// <summary>k.</summary>
    public int TripletsPerAnchor { get; }

    /// <inheritdoc />
    public override string Name => "random";

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels)
    {
        var table = PairTable.Build(labels);
        if (table.ValidAnchorCount == 0) return Empty(distances);
        int b = table.Batch, k = TripletsPerAnchor;
        var up = new double[b * k];
        var un = new double[b * k];
        for (int i = 0; i < up.Length; i++) { up[i] = _random.NextDouble(); un[i] = _random.NextDouble(); }
        var dev = distances.device;
        var npos = table.PosCount.unsqueeze(1);
        var nneg = table.NegCount.unsqueeze(1);
        using var lastSlot = Scalars.Make(Math.Max(table.K, 1) - 1L);
        using var lastItem = Scalars.Make(b - 1L);
        var pj = (tensor(up, new long[] { b, k }, dtype: ScalarType.Float64, device: dev) * npos).floor_().to(ScalarType.Int64).clamp_max_(lastSlot);
        var nj = (tensor(un, new long[] { b, k }, dtype: ScalarType.Float64, device: dev) * nneg).floor_().to(ScalarType.Int64);
        nj = torch.minimum(nj, nneg.sub(Scalars.I1).clamp_min(Scalars.I0));
        var positives = table.PosIdx.gather(1, pj);
        Tensor negatives;
        if (table.IsGeneral)
        {
            // The j-th negative of an anchor is its j-th negative column in index order: the first column where the
            // running count of negatives reaches j + 1.
            var rank = table.NegativeMask(0, b).to(ScalarType.Int64).cumsum(1);
            negatives = torch.searchsorted(rank, nj.add(Scalars.I1, Scalars.I1), right: false).clamp_max_(lastItem);
        }
        else
        {
            // The j-th negative of an anchor is the j-th item outside its class in label order.
            var start = table.ClassStart.unsqueeze(1);
            var slot = nj.add(nj.ge(start).to(ScalarType.Int64) * table.ClassSize.unsqueeze(1), Scalars.I1);
            negatives = table.Order.index_select(0, slot.flatten().clamp_max(lastItem)).view(b, k);
        }
        var valid = npos.gt(Scalars.I0).logical_and(nneg.gt(Scalars.I0)).expand(b, k);
        var anchors = Scalars.Arange(b, dev).unsqueeze(1).expand(b, k).masked_select(valid);
        return Explicit(distances, anchors, positives.masked_select(valid), negatives.masked_select(valid));
    }
}
