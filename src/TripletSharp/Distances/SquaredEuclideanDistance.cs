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

    /// <summary>∂/∂x_i = Σ_j 2(G_ij + G_ji)(x_i − x_j).</summary>
    internal override Tensor? SelfGradient(Tensor prepared, Tensor matrix, Tensor gradMatrix) =>
        DistanceMath.Laplacian(prepared, (gradMatrix + gradMatrix.t()).mul_(2.0));

    /// <inheritdoc />
    protected override Tensor ComputePairwise(Tensor x, Tensor y) => (x - y).square().sum(1);
}
