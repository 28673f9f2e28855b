using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>
/// Extra reference items mined together with a batch (PML's <c>ref_emb</c>/<c>ref_labels</c>; a cross-batch memory, for
/// example). Anchors always come from the batch; positives and negatives come from the reference set, which is the batch
/// itself followed by these rows: reference index j &lt; B is batch row j, j ≥ B is row j − B here. A row is never its own
/// positive (the self-pair rule applies to the batch part only); an identical item stored here is an ordinary
/// reference. The rows are treated as constants: no gradient flows into them.
/// </summary>
public sealed class ReferenceSet
{
    /// <summary>Wraps M×D <paramref name="embeddings"/> (detached) and their M class <paramref name="labels"/> (not copied, not disposed).</summary>
    /// <exception cref="ArgumentException">Embeddings not 2-D floating point, or labels of the wrong shape or type.</exception>
    public ReferenceSet(Tensor embeddings, Tensor labels)
    {
        Guard.NotNull(embeddings, nameof(embeddings));
        Guard.NotNull(labels, nameof(labels));
        Guard.Embeddings(embeddings, nameof(embeddings), allowEmpty: true);
        Embeddings = embeddings.detach();
        Labels = Guard.Labels(labels, embeddings.shape[0], nameof(labels));
    }

    /// <summary>M×D reference embeddings (detached).</summary>
    public Tensor Embeddings { get; }

    /// <summary>M int64 labels.</summary>
    public Tensor Labels { get; }

    /// <summary>M.</summary>
    public long Count => Embeddings.shape[0];

    /// <summary>Checks that the references fit a batch of <paramref name="embeddings"/>.</summary>
    internal void CheckAgainst(Tensor embeddings)
    {
        if (Embeddings.shape[0] > 0 && Embeddings.shape[1] != embeddings.shape[1])
            throw new ArgumentException($"The reference set has dimension {Embeddings.shape[1]} but the batch has {embeddings.shape[1]}.", "references");
        if (Embeddings.device_type != embeddings.device_type || Embeddings.device_index != embeddings.device_index)
            throw new ArgumentException($"The reference set is on {Embeddings.device} but the batch is on {embeddings.device}.", "references");
        if (Embeddings.dtype != embeddings.dtype)
            throw new ArgumentException($"The reference set is {Embeddings.dtype} but the batch is {embeddings.dtype}.", "references");
    }
}
