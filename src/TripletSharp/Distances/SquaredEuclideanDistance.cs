using static TorchSharp.torch;

namespace TripletSharp.Distances;

/// <summary>Squared Euclidean distance (FaceNet's choice).</summary>
public sealed class SquaredEuclideanDistance : BaseDistance
{
    /// <summary>Creates the measure.</summary>
    public SquaredEuclideanDistance(bool normalizeEmbeddings = false) : base(normalizeEmbeddings, false) { }

    /// <inheritdoc />
    public override string Name => "squared-euclidean";

    /// <inheritdoc />
    protected override Tensor ComputeMatrix(Tensor query, Tensor reference) => DistanceMath.SquaredEuclidean(query, reference);

    /// <inheritdoc />
    protected override Tensor ComputePairwise(Tensor x, Tensor y) => (x - y).square().sum(1);
}
