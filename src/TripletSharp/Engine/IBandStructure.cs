namespace TripletSharp.Engine;

/// <summary>
/// What the CPU band kernel (<see cref="BandKernel"/>) reads of a class structure: rows are anchors, columns are
/// references, and anchor a is column a (a batch against itself, <see cref="PairTable"/>, or a batch against itself
/// followed by extra references such as a cross-batch memory, <see cref="CrossPairTable"/>). Host arrays only.
/// </summary>
internal interface IBandStructure
{
    /// <summary>Anchors (matrix rows).</summary>
    int Rows { get; }

    /// <summary>References (matrix columns); the first <see cref="Rows"/> are the anchors themselves.</summary>
    int Columns { get; }

    /// <summary>Row width of <see cref="HostPosIdx"/>: max(K, 1).</summary>
    int Width { get; }

    /// <summary>Positives per anchor.</summary>
    long[] PositiveCounts { get; }

    /// <summary>Negatives per anchor.</summary>
    long[] NegativeCounts { get; }

    /// <summary>Dense class index of every column.</summary>
    int[] HostClasses { get; }

    /// <summary>Label of every column.</summary>
    long[] HostLabels { get; }

    /// <summary>Positive column indices, row-major Rows×<see cref="Width"/>, padded with the anchor's own column.</summary>
    long[] HostPosIdx { get; }
}
