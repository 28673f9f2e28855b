using static TorchSharp.torch;

namespace TripletSharp.Distances;

/// <summary>
/// A measure between embeddings. Distances (smaller = closer) and similarities (<see cref="IsInverted"/>: larger = closer)
/// share this base; miners and losses use <see cref="Violation"/> so that both work unchanged.
/// </summary>
public abstract class BaseDistance
{
    /// <summary>Creates a measure.</summary>
    /// <param name="normalizeEmbeddings">L2-normalise embeddings (row-wise) before measuring.</param>
    /// <param name="isInverted">True for similarities, where larger means closer.</param>
    protected BaseDistance(bool normalizeEmbeddings, bool isInverted)
    {
        NormalizeEmbeddings = normalizeEmbeddings;
        IsInverted = isInverted;
    }

    /// <summary>Whether embeddings are L2-normalised before measuring.</summary>
    public bool NormalizeEmbeddings { get; }

    /// <summary>True for similarities (larger = closer), false for distances.</summary>
    public bool IsInverted { get; }

    /// <summary>Short name used in configs and the CLI (for example <c>euclidean</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The Q×R matrix between every query row and every reference row (reference = query when null).</summary>
    public Tensor Compute(Tensor query, Tensor? reference = null) => throw new NotImplementedException();

    /// <summary>Row-wise measure between <paramref name="x"/>[i] and <paramref name="y"/>[i]; returns a vector.</summary>
    public Tensor Pairwise(Tensor x, Tensor y) => throw new NotImplementedException();

    /// <summary>
    /// How much a triplet violates the ordering: <c>d_ap − d_an</c> for distances, <c>s_an − s_ap</c> for similarities.
    /// The hinge loss is <c>relu(Violation + margin)</c>.
    /// </summary>
    public Tensor Violation(Tensor anchorPositive, Tensor anchorNegative) => IsInverted ? anchorNegative - anchorPositive : anchorPositive - anchorNegative;

    /// <summary>Computes the matrix on (already normalised, if requested) inputs.</summary>
    protected abstract Tensor ComputeMatrix(Tensor query, Tensor reference);

    /// <summary>Computes the row-wise measure on (already normalised, if requested) inputs.</summary>
    protected abstract Tensor ComputePairwise(Tensor x, Tensor y);
}
