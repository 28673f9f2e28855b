using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>Explicit triplets as three aligned 1-D int64 tensors of batch row indices.</summary>
public sealed class TripletIndices : IDisposable
{
    /// <summary>Wraps three aligned index vectors (taken over: disposed with this object).</summary>
    public TripletIndices(Tensor anchors, Tensor positives, Tensor negatives)
    {
        Anchors = anchors;
        Positives = positives;
        Negatives = negatives;
    }

    /// <summary>Anchor row indices.</summary>
    public Tensor Anchors { get; }

    /// <summary>Positive row indices (same class as the anchor, not the anchor itself).</summary>
    public Tensor Positives { get; }

    /// <summary>Negative row indices (another class than the anchor).</summary>
    public Tensor Negatives { get; }

    /// <summary>Number of triplets.</summary>
    public long Count => Anchors.shape[0];

    /// <summary>Moves the three tensors out of the current dispose scope.</summary>
    public TripletIndices MoveToOuterDisposeScope()
    {
        Anchors.MoveToOuterDisposeScope();
        Positives.MoveToOuterDisposeScope();
        Negatives.MoveToOuterDisposeScope();
        return this;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Anchors.Dispose();
        Positives.Dispose();
        Negatives.Dispose();
    }
}
