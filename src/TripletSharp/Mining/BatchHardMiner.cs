using TripletSharp.Distances;
using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>For each anchor its hardest positive and hardest negative (Hermans, Beyer, Leibe 2017).</summary>
/// <remarks>
/// At most one triplet per anchor; anchors without a positive or a negative are dropped. Among equally hard
/// candidates the lowest batch index is taken.
/// </remarks>
public sealed class BatchHardMiner : BaseMiner
{
    /// <summary>Creates the miner.</summary>
    public BatchHardMiner(BaseDistance? distance = null) : base(distance) { }

    /// <inheritdoc />
    public override string Name => "batch-hard";

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels)
    {
        var table = PairTable.Build(labels);
        if (table.ValidAnchorCount == 0) return Empty(distances);
        var e = Distance.ToDistanceLike(distances);
        var ep = e.gather(1, table.PosIdx).masked_fill(table.PosValid.logical_not(), Scalars.NegativeInfinity);
        // argmax/argmin return the first extreme index; positives are stored in ascending index order.
        var hardestPositive = table.PosIdx.gather(1, ep.argmax(1, keepdim: true)).squeeze(1);
        var hardestNegative = e.masked_fill(table.NegativeMask(0, table.Batch).logical_not(), Scalars.PositiveInfinity).argmin(1);
        var valid = table.PosCount.gt(Scalars.I0).logical_and(table.NegCount.gt(Scalars.I0));
        var anchors = valid.nonzero().squeeze(1);
        return Explicit(distances, anchors, hardestPositive.index_select(0, anchors), hardestNegative.index_select(0, anchors));
    }

    /// <inheritdoc />
    public override bool SupportsReferences => true;

    /// <summary>Hardest positive and negative of every anchor among the batch and the references (lowest reference index among ties).</summary>
    private protected override MiningResult MineAgainst(Tensor distances, CrossPairTable table)
    {
        if (!table.HasTriplets) return Empty(distances);
        var e = Distance.ToDistanceLike(distances);
        var ep = e.gather(1, table.PosIdx).masked_fill(table.PosValid.logical_not(), Scalars.NegativeInfinity);
        var hardestPositive = table.PosIdx.gather(1, ep.argmax(1, keepdim: true)).squeeze(1);
        var hardestNegative = e.masked_fill(table.NegativeMask(0, table.Anchors).logical_not(), Scalars.PositiveInfinity).argmin(1);
        var valid = table.PosCount.gt(Scalars.I0).logical_and(table.NegCount.gt(Scalars.I0));
        var anchors = valid.nonzero().squeeze(1);
        return Explicit(distances, anchors, hardestPositive.index_select(0, anchors), hardestNegative.index_select(0, anchors));
    }
}
