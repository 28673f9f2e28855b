using static TorchSharp.torch;

namespace TripletSharp.Distances;

/// <summary>Cosine distance 1 − cos(x, y); embeddings are always normalised.</summary>
public sealed class CosineDistance : BaseDistance
{
    /// <summary>Creates the measure.</summary>
    public CosineDistance() : base(true, false) { }

    /// <inheritdoc />
    public override string Name => "cosine";

    /// <summary>1 − q̂·q̂ is only 0 up to rounding, so the self-matrix diagonal is zeroed explicitly.</summary>
    private protected override bool ZeroSelf => true;

    /// <inheritdoc />
    protected override Tensor ComputeMatrix(Tensor query, Tensor reference) => query.mm(reference.t()).neg().add_(1.0);

    /// <summary>∂/∂x̂_i = −Σ_j (G_ij + G_ji) x̂_j (the diagonal is a constant 0, so G_ii does not count).</summary>
    internal override Tensor? SelfGradient(Tensor prepared, Tensor matrix, Tensor gradMatrix)
    {
        var w = gradMatrix + gradMatrix.t();
        w.diagonal().zero_();
        return w.mm(prepared).neg_();
    }

    /// <inheritdoc />
    protected override Tensor ComputePairwise(Tensor x, Tensor y) => (x * y).sum(1).neg().add_(1.0);
}
