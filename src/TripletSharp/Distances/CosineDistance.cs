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
    protected override Tensor ComputeMatrix(Tensor query, Tensor reference) => throw new NotImplementedException();

    /// <inheritdoc />
    protected override Tensor ComputePairwise(Tensor x, Tensor y) => throw new NotImplementedException();
}
