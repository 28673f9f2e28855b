using TripletSharp.Engine;
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
    internal override MeasureKind Kind => MeasureKind.SquaredEuclidean;

    /// <inheritdoc />
    protected override Tensor ComputeMatrix(Tensor query, Tensor reference) => DistanceMath.Euclidean(query, reference, root: false);

    /// <summary>∂d_ij/∂x_i = 2(x_i − x_j).</summary>
    internal override SelfGradientRule? GradientRule { get; } = new(true, false, 2.0);

    /// <inheritdoc />
    protected override Tensor ComputePairwise(Tensor x, Tensor y) => DistanceMath.Square(x - y).sum(1);
}
