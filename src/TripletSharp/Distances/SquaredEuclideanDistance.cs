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
    protected override Tensor ComputeMatrix(Tensor query, Tensor reference) => throw new NotImplementedException();

    /// <inheritdoc />
    protected override Tensor ComputePairwise(Tensor x, Tensor y) => throw new NotImplementedException();
}
