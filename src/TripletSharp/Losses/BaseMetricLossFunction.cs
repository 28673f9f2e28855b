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
/// Without a reference set the band kernels work on the batch's own B×B matrix, whose gradient they form in closed
/// form. <see cref="ComputeWithReferences"/> adds PML's <c>ref_emb</c>: anchors from the batch, positives and negatives
/// from the batch followed by a <see cref="ReferenceSet"/> (a cross-batch memory), on a B×(B+M) matrix.
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
        var l = Guard.LabelsOrMatches(labels, embeddings.shape[0]).to(embeddings.device);
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
        var l = Guard.LabelsOrMatches(labels, embeddings.shape[0]).to(embeddings.device);
        var indices = mined?.Indices;
        indices?.Validate(l);
        var band = indices is null ? mined?.Band ?? NegativeBand.All : null;
        var result = Reducer.Reduce(ComputeLoss(new LossInput(embeddings, l, indices, band, mined?.Distance ?? Distance, mined)));
        result.Loss.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>
    /// The loss with anchors from the batch and positives and negatives from the batch followed by
    /// <paramref name="references"/> (constants: the gradient flows only into <paramref name="embeddings"/>). Over the
    /// triplets <paramref name="mined"/> against the same references, or every valid triplet when it is null.
    /// </summary>
    /// <exception cref="ArgumentException">Bad embeddings, labels or references, or a mining result of another reference set.</exception>
    /// <exception cref="NotSupportedException">A loss option the reference path does not support (see the loss).</exception>
    public LossOutput ComputeWithReferences(Tensor embeddings, Tensor labels, ReferenceSet references, MiningResult? mined = null)
    {
        Guard.NotNull(references, nameof(references));
        Guard.Embeddings(embeddings);
        references.CheckAgainst(embeddings);
        if (mined is not null && !ReferenceEquals(mined.References, references))
            throw new ArgumentException("The mining result was not mined against these references: pass the ReferenceSet given to BaseMiner.Mine.", nameof(mined));
        using var scope = torch.NewDisposeScope();
        var l = Guard.Labels(labels, embeddings.shape[0]).to(embeddings.device);
        var indices = mined?.Indices;
        var band = indices is null ? mined?.Band ?? NegativeBand.All : null;
        var input = new LossInput(embeddings, l, indices, band, mined?.Distance ?? Distance, mined) { References = references };
        var result = Reducer.Reduce(ComputeLoss(input));
        result.Loss.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>The loss's terms over the selection of <paramref name="input"/>; runs inside the call's dispose scope.</summary>
    protected abstract LossTerms ComputeLoss(LossInput input);
}
