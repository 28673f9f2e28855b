namespace TripletSharp.Engine;

/// <summary>
/// Which columns of one anchor's row are negatives: the kernels' one question about the batch's similarity. The kernels
/// are generic over it, so the single-label fast path (<see cref="ClassRow"/>: compare dense class ids) and the general
/// match-matrix path (<see cref="MatchRow"/>) compile to separate loops with the test inlined.
/// </summary>
internal interface INegativeRow
{
    /// <summary>1 when column <paramref name="n"/> is a negative of the anchor, else 0 (never 1 for the anchor itself).</summary>
    int Negative(int n);
}

/// <summary>Single labels: a negative is a column of another class.</summary>
internal readonly struct ClassRow(int[] classes, int anchorClass) : INegativeRow
{
    /// <inheritdoc />
    public int Negative(int n) => classes[n] != anchorClass ? 1 : 0;
}

/// <summary>The general case: one row of <see cref="PairTable.HostNegatives"/>.</summary>
internal readonly struct MatchRow(byte[] negatives, long offset) : INegativeRow
{
    /// <inheritdoc />
    public int Negative(int n) => negatives[offset + n];
}

/// <summary>Picks the <see cref="INegativeRow"/> of an anchor.</summary>
internal static class NegativeRows
{
    /// <summary>The single-label row test of anchor <paramref name="a"/> (label tables only).</summary>
    public static ClassRow Classes(IBandStructure t, int a) => new(t.HostClasses, t.HostClasses[a]);

    /// <summary>The match-matrix row test of anchor <paramref name="a"/> (general tables only).</summary>
    public static MatchRow Matches(PairTable t, int a) => new(t.HostNegatives!, a * (long)t.Batch);
}
