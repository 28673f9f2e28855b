using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// The class structure of A anchors against R references (a batch against itself followed by extra references, such as
/// a cross-batch memory): for every anchor the reference indices of its positives (an A×K table, K = most positives of
/// an anchor, padded) and which pairs are negatives. Anchor a is reference a (the batch is the head of the reference
/// set), so the self-pair rule excludes exactly column a of row a. Memory: O(A·K + A) host and device values; the
/// negative mask is built per chunk of rows (O(chunk·R)). Tensors live in the dispose scope current at construction.
/// </summary>
internal sealed class CrossPairTable : IBandStructure
{
    private CrossPairTable(long[] anchorLabels, long[] referenceLabels, Device device)
    {
        Anchors = anchorLabels.Length;
        References = referenceLabels.Length;
        var positives = new List<long>[Anchors];
        var negCount = new long[Anchors];
        for (int a = 0; a < Anchors; a++)
        {
            var list = new List<long>();
            long la = anchorLabels[a], neg = 0;
            for (int j = 0; j < References; j++)
            {
                if (referenceLabels[j] != la) neg++;
                else if (j != a) list.Add(j);
            }
            positives[a] = list;
            negCount[a] = neg;
        }
        K = Anchors == 0 ? 0 : positives.Max(p => p.Count);
        int width = Math.Max(K, 1);
        var posIdx = new long[Anchors * (long)width];
        var posValid = new bool[posIdx.Length];
        var posCount = new long[Anchors];
        for (int a = 0; a < Anchors; a++)
        {
            var list = positives[a];
            posCount[a] = list.Count;
            for (int k = 0; k < width; k++)
            {
                bool real = k < list.Count;
                posIdx[a * (long)width + k] = real ? list[k] : a;
                posValid[a * (long)width + k] = real;
            }
            AllTripletCount += posCount[a] * negCount[a];
        }
        PositiveCounts = posCount;
        NegativeCounts = negCount;
        HostLabels = referenceLabels;
        HostPosIdx = posIdx;
        var classOf = new Dictionary<long, int>();
        var classes = new int[References];
        for (int j = 0; j < References; j++)
        {
            if (!classOf.TryGetValue(referenceLabels[j], out int c)) classOf[referenceLabels[j]] = c = classOf.Count;
            classes[j] = c;
        }
        HostClasses = classes;
        PosIdx = tensor(posIdx, new long[] { Anchors, width }, device: device);
        PosValid = tensor(posValid, new long[] { Anchors, width }, device: device);
        PosCount = tensor(posCount, device: device);
        NegCount = tensor(negCount, device: device);
        AnchorLabels = tensor(anchorLabels, device: device);
        ReferenceLabels = tensor(referenceLabels, device: device);
    }

    /// <summary>A: the batch.</summary>
    public int Anchors { get; }

    /// <summary>R: the batch followed by the extra references.</summary>
    public int References { get; }

    /// <summary>Width of the positive table: most positives of an anchor (0 when none has one).</summary>
    public int K { get; }

    /// <summary>Number of (a, p, n) with label(p) = label(a), p ≠ a, label(n) ≠ label(a).</summary>
    public long AllTripletCount { get; }

    /// <summary>Whether any triplet exists.</summary>
    public bool HasTriplets => AllTripletCount > 0;

    /// <summary>Row width of <see cref="PosIdx"/>: max(K, 1).</summary>
    public int Width => Math.Max(K, 1);

    /// <inheritdoc />
    int IBandStructure.Rows => Anchors;

    /// <inheritdoc />
    int IBandStructure.Columns => References;

    /// <summary>Dense class index of every reference (host).</summary>
    public int[] HostClasses { get; }

    /// <summary>Reference labels (host).</summary>
    public long[] HostLabels { get; }

    /// <summary><see cref="PosIdx"/> (host, row-major A×max(K,1)).</summary>
    public long[] HostPosIdx { get; }

    /// <summary>Positives per anchor (host).</summary>
    public long[] PositiveCounts { get; }

    /// <summary>Negatives per anchor (host).</summary>
    public long[] NegativeCounts { get; }

    /// <summary>A×max(K,1) positive reference indices in ascending order, padded with the anchor's own column.</summary>
    public Tensor PosIdx { get; }

    /// <summary>A×max(K,1): which entries of <see cref="PosIdx"/> are real positives.</summary>
    public Tensor PosValid { get; }

    /// <summary>Positives per anchor (A, int64).</summary>
    public Tensor PosCount { get; }

    /// <summary>Negatives per anchor (A, int64).</summary>
    public Tensor NegCount { get; }

    /// <summary>Anchor labels (A, int64).</summary>
    public Tensor AnchorLabels { get; }

    /// <summary>Reference labels (R, int64).</summary>
    public Tensor ReferenceLabels { get; }

    /// <summary>Negative mask for anchors [start, start+count) against every reference.</summary>
    public Tensor NegativeMask(long start, long count) =>
        AnchorLabels.narrow(0, start, count).unsqueeze(1).ne(ReferenceLabels.unsqueeze(0));

    /// <summary>Builds the table from 1-D int64 anchor labels and reference labels whose first A entries are the anchors'.</summary>
    public static CrossPairTable Build(Tensor anchorLabels, Tensor referenceLabels)
    {
        var a = anchorLabels.cpu().contiguous().data<long>().ToArray();
        var r = referenceLabels.cpu().contiguous().data<long>().ToArray();
        return new CrossPairTable(a, r, anchorLabels.device);
    }
}
