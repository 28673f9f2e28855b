using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Distances;

/// <summary>Euclidean (L2) distance; the gradient is finite (zero) where two embeddings coincide.</summary>
/// <remarks>
/// The matrix uses one matrix multiply plus an exact recomputation of near-coincident pairs, so values agree with a
/// double-precision loop to about 1e-6 relative and coincident points give exactly 0.
/// </remarks>
public sealed class EuclideanDistance : BaseDistance
{
    /// <summary>Creates the measure.</summary>
    public EuclideanDistance(bool normalizeEmbeddings = false) : base(normalizeEmbeddings, false) { }

    /// <inheritdoc />
    public override string Name => "euclidean";

    /// <inheritdoc />
    internal override MeasureKind Kind => MeasureKind.Euclidean;

    /// <inheritdoc />
    protected override Tensor ComputeMatrix(Tensor query, Tensor reference) => DistanceMath.Euclidean(query, reference, root: true);

    /// <summary>∂d_ij/∂x_i = (x_i − x_j)/d_ij, 0 for coincident points.</summary>
    internal override SelfGradientRule? GradientRule { get; } = new(true, true, 1.0);

    /// <inheritdoc />
    protected override Tensor ComputePairwise(Tensor x, Tensor y) => DistanceMath.SafeSqrt(DistanceMath.Square(x - y).sum(1));
}
