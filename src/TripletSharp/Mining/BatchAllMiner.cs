using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>Every valid triplet of the batch (Hermans et al.'s batch-all), optionally only those violating the margin; a band selection, O(B²) memory.</summary>
public sealed class BatchAllMiner : BaseMiner
{
    /// <summary>Creates the miner.</summary>
    public BatchAllMiner(bool onlyViolating = false, double margin = 0.2, BaseDistance? distance = null) : base(distance) { }

    /// <inheritdoc />
    public override string Name => "batch-all";

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels) => throw new NotImplementedException();
}
