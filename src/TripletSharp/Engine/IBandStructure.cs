using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// What the band algorithm (<see cref="BandKernel"/> on CPU, <see cref="BandMath"/>'s torch ops elsewhere) reads of a
/// class structure: rows are anchors, columns are references, and anchor a is column a (a batch against itself,
/// <see cref="PairTable"/>, or a batch against itself followed by extra references such as a cross-batch memory,
/// <see cref="CrossPairTable"/>).
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

    /// <summary>Width of the positive table: most positives of an anchor (0 when none has one).</summary>
    int K { get; }

    /// <summary>Whether any triplet exists.</summary>
    bool HasTriplets { get; }

    /// <summary>Rows×<see cref="Width"/> positive column indices on the device (as <see cref="HostPosIdx"/>).</summary>
    Tensor PosIdx { get; }

    /// <summary>Rows×<see cref="Width"/>: which entries of <see cref="PosIdx"/> are real positives.</summary>
    Tensor PosValid { get; }

    /// <summary>Positives per anchor (int64, on the device).</summary>
    Tensor PosCount { get; }

    /// <summary>Negative mask of anchors [start, start+count) against every column.</summary>
    Tensor NegativeMask(long start, long count);
}
