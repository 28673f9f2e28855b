using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Mining;
using static TorchSharp.torch;

namespace TripletSharp.Losses;

/// <summary>
/// Plumbing shared by every metric loss (PML's <c>BaseMetricLossFunction</c>): argument checks, a dispose scope, the
/// mined-or-all choice and the reduction. A loss implements only <see cref="ComputeLoss"/>, which turns one checked
/// <see cref="LossInput"/> into <see cref="LossTerms"/>; <see cref="Reducer"/> then asks those terms for the form it
/// needs. A wrapper (cross-batch memory, for example) can hold a loss and call it like any user.
/// </summary>
/// <remarks>
/// There is no reference set (PML's <c>ref_emb</c>) yet: the band kernels work on the batch's own B×B matrix, whose
/// gradient they form in closed form.
/// </remarks>
public abstract class BaseMetricLossFunction
{
    /// <summary>Creates a loss measured with <paramref name="distance"/> (Euclidean when null) and reduced by <paramref name="reducer"/> (<see cref="AvgNonZeroReducer"/> when null).</summary>
    protected BaseMetricLossFunction(BaseDistance? distance, BaseReducer? reducer)
    {
        Distance = distance ?? new EuclideanDistance();
        Reducer = reducer ?? new AvgNonZeroReducer();
    }

    /// <summary>The measure.</summary>
    public BaseDistance Distance { get; }

    /// <summary>The reduction.</summary>
    public BaseReducer Reducer { get; }

    /// <summary>The loss over the mined triplets (every valid triplet when <paramref name="mined"/> is null).</summary>
    /// <exception cref="ArgumentException">Bad embeddings or labels, or mined triplets that do not fit the batch.</exception>
    public Tensor Compute(Tensor embeddings, Tensor labels, MiningResult? mined = null) => ComputeDetailed(embeddings, labels, mined).Loss;

    /// <summary>The loss over explicit triplets.</summary>
    /// <exception cref="ArgumentException">Bad embeddings or labels, or triplets that do not fit the batch.</exception>
    public Tensor Compute(Tensor embeddings, Tensor labels, TripletIndices indices)
    {
        Guard.NotNull(indices, nameof(indices));
        Guard.Embeddings(embeddings);
        using var scope = torch.NewDisposeScope();
        var l = Guard.Labels(labels, embeddings.shape[0]).to(embeddings.device);
        indices.Validate(l);
        return Reducer.Reduce(ComputeLoss(new LossInput(embeddings, l, indices, null, Distance, null))).Loss.MoveToOuterDisposeScope();
    }

    /// <summary>The loss with triplet counts (every valid triplet when <paramref name="mined"/> is null).</summary>
    /// <exception cref="ArgumentException">Bad embeddings or labels, or explicit triplets that do not fit the batch.</exception>
    /// <exception cref="InvalidOperationException"><see cref="NoReducer"/> on a band with more than <see cref="TripletMarginLoss.MaxMaterializedTriplets"/> triplets.</exception>
    public LossOutput ComputeDetailed(Tensor embeddings, Tensor labels, MiningResult? mined = null)
    {
        Guard.Embeddings(embeddings);
        using var scope = torch.NewDisposeScope();
        var l = Guard.Labels(labels, embeddings.shape[0]).to(embeddings.device);
        var indices = mined?.Indices;
        indices?.Validate(l);
        var band = indices is null ? mined?.Band ?? NegativeBand.All : null;
        var result = Reducer.Reduce(ComputeLoss(new LossInput(embeddings, l, indices, band, mined?.Distance ?? Distance, mined)));
        result.Loss.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>The loss's terms over the selection of <paramref name="input"/>; runs inside the call's dispose scope.</summary>
    protected abstract LossTerms ComputeLoss(LossInput input);
}
