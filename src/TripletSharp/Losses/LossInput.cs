using TripletSharp.Distances;
using TripletSharp.Engine;
using TripletSharp.Mining;
using static TorchSharp.torch;

namespace TripletSharp.Losses;

/// <summary>
/// One checked batch as <see cref="BaseMetricLossFunction"/> hands it to a loss: the embeddings, int64 labels on their
/// device, and the selection (explicit triplets, or a band over every valid triplet). Valid for one call only; its
/// tensors belong to the call's dispose scope.
/// </summary>
public sealed class LossInput
{
    internal LossInput(Tensor embeddings, Tensor labels, TripletIndices? indices, NegativeBand? band, BaseDistance selector, MiningResult? mined)
    {
        Embeddings = embeddings;
        Labels = labels;
        Indices = indices;
        Band = band;
        Selector = selector;
        Mined = mined;
    }

    /// <summary>B×D embeddings, as given (with their graph).</summary>
    public Tensor Embeddings { get; }

    /// <summary>B int64 class labels on the embeddings' device.</summary>
    public Tensor Labels { get; }

    /// <summary>Explicit (validated) triplets, or null for a band selection.</summary>
    public TripletIndices? Indices { get; }

    /// <summary>A band over every valid triplet (<see cref="NegativeBand.All"/> when nothing was mined), or null for explicit triplets.</summary>
    public NegativeBand? Band { get; }

    /// <summary>The measure the band is selected with: the miner's, or the loss's own when nothing was mined.</summary>
    public BaseDistance Selector { get; }

    /// <summary>
    /// Extra references (cross-batch memory): positives and negatives index the batch followed by these rows; null for
    /// a batch-only call. A loss that does not support references must refuse a call where this is set.
    /// </summary>
    public ReferenceSet? References { get; internal init; }

    /// <summary>The miner's result, when the call came with one.</summary>
    internal MiningResult? Mined { get; }

    /// <summary>The miner's distance matrix, for reuse by a loss with the same measure.</summary>
    internal MatrixCache? Cache => Mined?.Cache;

    /// <summary>The selection as explicit triplets: <see cref="Indices"/>, or the band materialised in (anchor, positive, negative) order.</summary>
    /// <remarks>Do not dispose the result: it belongs to the call.</remarks>
    /// <exception cref="InvalidOperationException">The band holds more than <see cref="TripletMarginLoss.MaxMaterializedTriplets"/> triplets.</exception>
    /// <exception cref="NotSupportedException">A band selection against <see cref="References"/>.</exception>
    public TripletIndices Triplets()
    {
        if (References is not null && Indices is null)
            throw new NotSupportedException("A band selection against a reference set is not materialised; use a reducing reducer.");
        if (Indices is TripletIndices indices) return indices;
        using var noGrad = TorchSharp.torch.no_grad();
        var (a, p, n) = TripletLossKernels.BandTriplets(Embeddings, Labels, Band!.ToEngine(), Selector, Cache);
        return new TripletIndices(a, p, n);
    }
}
