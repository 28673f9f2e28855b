using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Distances;

/// <summary>Cosine distance 1 − cos(x, y); embeddings are always normalised.</summary>
public sealed class CosineDistance : BaseDistance
{
    /// <summary>Creates the measure.</summary>
    public CosineDistance() : base(true, false) { }

    /// <inheritdoc />
    public override string Name => "cosine";

    /// <inheritdoc />
    internal override MeasureKind Kind => MeasureKind.Cosine;

    /// <summary>1 − q̂·q̂ is only 0 up to rounding, so the self-matrix diagonal is zeroed explicitly.</summary>
    private protected override bool ZeroSelf => true;

    /// <inheritdoc />
    protected override Tensor ComputeMatrix(Tensor query, Tensor reference) => query.mm(reference.t()).neg().add_(Scalars.One, Scalars.One);

    /// <summary>∂(1 − x̂_i·x̂_j)/∂x̂_i = −x̂_j (the zeroed diagonal never carries weight: a row is never its own positive or negative).</summary>
    internal override SelfGradientRule? GradientRule { get; } = new(false, false, -1.0);

    /// <inheritdoc />
    protected override Tensor ComputePairwise(Tensor x, Tensor y) => (x * y).sum(1).neg().add_(Scalars.One, Scalars.One);
}
