using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>FaceNet/TensorFlow semi-hard: for each anchor–positive pair the closest negative farther than the positive, else the farthest negative.</summary>
public sealed class FaceNetSemiHardMiner : BaseMiner
{
    /// <summary>Creates the miner.</summary>
    public FaceNetSemiHardMiner(BaseDistance? distance = null) : base(distance) { }

    /// <inheritdoc />
    public override string Name => "facenet-semihard";

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels) => throw new NotImplementedException();
}
