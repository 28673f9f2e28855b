using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// The explicit triplets of a per-slot choice, as the CPU miners produce them: one negative (or none) for every
/// (anchor, positive slot) of a <see cref="PairTable"/>, in (anchor, positive slot) order.
/// </summary>
internal static class SlotTriplets
{
    /// <summary>Number of slots of <paramref name="t"/>: B·<see cref="PairTable.Width"/>, the length a choice array needs.</summary>
    public static int Count(PairTable t) => checked(t.Batch * t.Width);

    /// <summary>
    /// The triplets of <paramref name="chosen"/>[0..<see cref="Count"/>) (row-major B×<see cref="PairTable.Width"/> like
    /// <see cref="PairTable.HostPosIdx"/>: each slot's negative, or −1 for none) as three int64 CPU tensors, written in
    /// place (no host arrays to copy; the kernels run on every training step).
    /// </summary>
    public static (Tensor Anchors, Tensor Positives, Tensor Negatives) ToTensors(PairTable t, int[] chosen)
    {
        int slots = Count(t);
        long count = 0;
        for (int slot = 0; slot < slots; slot++)
            if (chosen[slot] >= 0) count++;
        var anchors = empty(count, ScalarType.Int64);
        var positives = empty(count, ScalarType.Int64);
        var negatives = empty(count, ScalarType.Int64);
        if (count == 0) return (anchors, positives, negatives);
        var av = HostTensor.Span<long>(anchors);
        var pv = HostTensor.Span<long>(positives);
        var nv = HostTensor.Span<long>(negatives);
        var posIdx = t.HostPosIdx;
        int width = t.Width, next = 0;
        for (int a = 0, slot = 0; a < t.Batch; a++)
        {
            for (int k = 0; k < width; k++, slot++)
            {
                int c = chosen[slot];
                if (c < 0) continue;
                av[next] = a;
                pv[next] = posIdx[slot];
                nv[next] = c;
                next++;
            }
        }
        return (anchors, positives, negatives);
    }
}
