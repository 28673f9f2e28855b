using TorchSharp;
using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Evaluation;

/// <summary>
/// Held-out triplet accuracy: the share of triplets (anchor, positive, negative) whose anchor is strictly closer to the
/// positive than to the negative (d_ap &lt; d_an; for a similarity, s_ap &gt; s_an). A tie counts as wrong, so a collapsed
/// embedding scores 0, not 0.5.
/// </summary>
public static class TripletAccuracy
{
    /// <summary>The accuracy over the triplets (rows of <paramref name="embeddings"/>); NaN when there is none.</summary>
    /// <param name="embeddings">N×D embeddings of the items.</param>
    /// <param name="anchors">Row of every triplet's anchor.</param>
    /// <param name="positives">Row of every triplet's positive.</param>
    /// <param name="negatives">Row of every triplet's negative.</param>
    /// <param name="distance">The measure (Euclidean when null).</param>
    /// <exception cref="ArgumentException">Bad embeddings, arrays of different lengths, or a row outside the embeddings.</exception>
    public static double Compute(Tensor embeddings, IReadOnlyList<int> anchors, IReadOnlyList<int> positives, IReadOnlyList<int> negatives, BaseDistance? distance = null)
    {
        Guard.Embeddings(embeddings);
        Guard.NotNull(anchors, nameof(anchors));
        Guard.NotNull(positives, nameof(positives));
        Guard.NotNull(negatives, nameof(negatives));
        if (positives.Count != anchors.Count || negatives.Count != anchors.Count)
            throw new ArgumentException($"The triplet arrays differ in length ({anchors.Count}, {positives.Count}, {negatives.Count}).", nameof(positives));
        Guard.Rows(anchors, embeddings.shape[0], nameof(anchors));
        Guard.Rows(positives, embeddings.shape[0], nameof(positives));
        Guard.Rows(negatives, embeddings.shape[0], nameof(negatives));
        if (anchors.Count == 0) return double.NaN;
        var measure = distance ?? new EuclideanDistance();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor Rows(IReadOnlyList<int> r) => embeddings.index_select(0, torch.tensor(r.Select(i => (long)i).ToArray(), ScalarType.Int64, device: embeddings.device));
        var a = Rows(anchors);
        var ap = measure.Pairwise(a, Rows(positives));
        var an = measure.Pairwise(a, Rows(negatives));
        var right = measure.IsInverted ? ap.gt(an) : ap.lt(an);
        return right.sum(type: ScalarType.Int64).item<long>() / (double)anchors.Count;
    }
}
