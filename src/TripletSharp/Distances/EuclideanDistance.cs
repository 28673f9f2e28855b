using static TorchSharp.torch;

namespace TripletSharp.Distances;

/// <summary>Euclidean (L2) distance; the gradient is finite (zero) where two embeddings coincide.</summary>
public sealed class EuclideanDistance : BaseDistance
{
    /// <summary>Creates the measure.</summary>
    public EuclideanDistance(bool normalizeEmbeddings = false) : base(normalizeEmbeddings, false) { }

    /// <inheritdoc />
    public override string Name => "euclidean";

    /// <inheritdoc />
    protected override Tensor ComputeMatrix(Tensor query, Tensor reference) => throw new NotImplementedException();

    /// <inheritdoc />
    protected override Tensor ComputePairwise(Tensor x, Tensor y) => throw new NotImplementedException();
}
