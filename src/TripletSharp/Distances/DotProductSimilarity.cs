using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Distances;

/// <summary>Dot-product similarity q·r (inverted: larger = closer).</summary>
public sealed class DotProductSimilarity : BaseDistance
{
    /// <summary>Creates the measure.</summary>
    public DotProductSimilarity(bool normalizeEmbeddings = false) : base(normalizeEmbeddings, true) { }

    /// <inheritdoc />
    public override string Name => "dot";

    /// <inheritdoc />
    internal override MeasureKind Kind => MeasureKind.Dot;

    /// <inheritdoc />
    protected override Tensor ComputeMatrix(Tensor query, Tensor reference) => query.mm(reference.t());

    /// <summary>E = −x_i·x_j (distance-like), so ∂E/∂x_i = −x_j.</summary>
    internal override SelfGradientRule? GradientRule { get; } = new(false, false, -1.0);

    /// <inheritdoc />
    protected override Tensor ComputePairwise(Tensor x, Tensor y) => (x * y).sum(1);
}
