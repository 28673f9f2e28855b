namespace TripletSharp.Engine;

/// <summary>Explicit triplets on the host, in (anchor, positive slot) order, as the CPU miners produce them.</summary>
/// <param name="Anchors">Anchor rows.</param>
/// <param name="Positives">Positive columns.</param>
/// <param name="Negatives">Negative columns.</param>
internal readonly record struct HostTriplets(long[] Anchors, long[] Positives, long[] Negatives)
{
    /// <summary>
    /// The triplets of a per-slot choice: <paramref name="chosen"/> is B×<see cref="PairTable.Width"/> row-major like
    /// <see cref="PairTable.HostPosIdx"/>, holding each (anchor, positive slot)'s negative or −1 for none.
    /// </summary>
    public static HostTriplets FromSlots(PairTable t, long[] chosen)
    {
        long count = 0;
        foreach (long c in chosen)
            if (c >= 0) count++;
        var anchors = new long[count];
        var positives = new long[count];
        var negatives = new long[count];
        int width = t.Width;
        long next = 0;
        for (long slot = 0; slot < chosen.Length; slot++)
        {
            if (chosen[slot] < 0) continue;
            anchors[next] = slot / width;
            positives[next] = t.HostPosIdx[slot];
            negatives[next] = chosen[slot];
            next++;
        }
        return new HostTriplets(anchors, positives, negatives);
    }
}
