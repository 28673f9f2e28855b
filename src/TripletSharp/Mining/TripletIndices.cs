using TorchSharp;
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

    /// <summary>Checks user-supplied triplets against a batch's int64 <paramref name="labels"/> or B×B bool match matrix.</summary>
    /// <exception cref="ArgumentException">Tensors of the wrong shape or type, rows outside the batch, or a triplet whose positive is not another row of the anchor's class or whose negative is not of another class.</exception>
    internal void Validate(Tensor labels)
    {
        var indices = this;
        const string name = "indices";
        foreach (var (v, what) in new[] { (indices.Anchors, "anchors"), (indices.Positives, "positives"), (indices.Negatives, "negatives") })
        {
            if (v is null || v.dim() != 1)
                throw new ArgumentException($"Triplet {what} must be a 1-D tensor.", name);
            if (v.dtype != ScalarType.Int64 && v.dtype != ScalarType.Int32)
                throw new ArgumentException($"Triplet {what} must hold integer indices, got {v.dtype}.", name);
            if (v.shape[0] != indices.Anchors.shape[0])
                throw new ArgumentException($"Triplet {what} has {v.shape[0]} entries but anchors have {indices.Anchors.shape[0]}.", name);
        }
        long t = indices.Count;
        if (t == 0) return;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        long b = labels.shape[0];
        var a = indices.Anchors.to(ScalarType.Int64).to(labels.device);
        var p = indices.Positives.to(ScalarType.Int64).to(labels.device);
        var n = indices.Negatives.to(ScalarType.Int64).to(labels.device);
        foreach (var (v, what) in new[] { (a, "anchors"), (p, "positives"), (n, "negatives") })
        {
            long lo = v.min().item<long>(), hi = v.max().item<long>();
            if (lo < 0 || hi >= b)
                throw new ArgumentException($"Triplet {what} must be batch rows in [0, {b}), got values in [{lo}, {hi}].", name);
        }
        Tensor bad;
        if (labels.dtype == ScalarType.Bool)
        {
            // A match matrix: the positive must be a match of the anchor, the negative not (and neither the anchor itself).
            var rows = labels.index_select(0, a);
            bad = rows.gather(1, p.unsqueeze(1)).squeeze(1).logical_not().logical_or_(a.eq(p))
                .logical_or_(rows.gather(1, n.unsqueeze(1)).squeeze(1)).logical_or_(a.eq(n));
        }
        else
        {
            var la = labels.index_select(0, a);
            bad = la.ne(labels.index_select(0, p)).logical_or_(a.eq(p)).logical_or_(la.eq(labels.index_select(0, n)));
        }
        if (bad.any().item<bool>())
        {
            long i = bad.nonzero()[0, 0].item<long>();
            throw new ArgumentException(
                $"Triplet {i} ({a[i].item<long>()}, {p[i].item<long>()}, {n[i].item<long>()}) is not valid: the positive must be another row of the anchor's class and the negative of another class.", name);
        }
    }
}
