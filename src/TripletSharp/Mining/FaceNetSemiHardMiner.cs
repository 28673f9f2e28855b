using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>FaceNet/TensorFlow semi-hard: for each anchor–positive pair the closest negative farther than the positive, else the farthest negative.</summary>
/// <remarks>
/// One triplet per anchor–positive pair (anchors without a negative are dropped), as TensorFlow Addons'
/// <c>triplet_semihard_loss</c> selects them. "Farther" is strict: d_an &gt; d_ap. Among equal candidates the lowest batch
/// index is taken. On CPU each negative is bucketed by how many positives it lies beyond and suffix minima give every
/// positive's choice (O(B²) time); elsewhere each anchor's negatives are sorted once and located with <c>searchsorted</c>
/// (O(B² log B)). Both use O(B²) memory.
/// </remarks>
public sealed class FaceNetSemiHardMiner : BaseMiner
{
    /// <summary>Creates the miner.</summary>
    public FaceNetSemiHardMiner(BaseDistance? distance = null) : base(distance) { }

    /// <inheritdoc />
    public override string Name => "facenet-semihard";

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels)
    {
        var table = PairTable.BuildHost(labels);
        if (table.ValidAnchorCount == 0) return Empty(distances);
        if (!EngineSwitches.TorchOnly && HostTensor.IsKernelReady(distances))
            return Explicit(distances, table, chosen => FaceNetKernel.Select(distances, Distance.IsInverted, table, chosen));
        table = table.WithTensors();
        var e = Distance.ToDistanceLike(distances);
        var key = e.masked_fill(table.NegativeMask(0, table.Batch).logical_not(), Scalars.PositiveInfinity);
        var (sorted, order) = key.sort(1, stable: true);
        var ep = e.gather(1, table.PosIdx);
        var beyond = torch.searchsorted(sorted, ep, right: true);
        var lastNegative = table.NegCount.sub(Scalars.I1).clamp_min(Scalars.I0).unsqueeze(1);
        // Farthest negative: the first sorted position holding the largest value (lowest index among ties).
        var farthestValue = sorted.gather(1, lastNegative);
        var farthest = torch.searchsorted(sorted, farthestValue, right: false);
        var position = torch.where(beyond.lt(table.NegCount.unsqueeze(1)), beyond, farthest.expand_as(beyond));
        var negatives = order.gather(1, position);
        var valid = table.PosValid.logical_and(table.NegCount.gt(Scalars.I0).unsqueeze(1));
        var anchors = Scalars.Arange(table.Batch, distances.device).unsqueeze(1).expand_as(table.PosIdx).masked_select(valid);
        return Explicit(distances, anchors, table.PosIdx.masked_select(valid), negatives.masked_select(valid));
    }
}
