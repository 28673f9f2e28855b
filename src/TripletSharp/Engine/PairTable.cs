using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// The class structure of one batch in compact form: for every anchor the indices of its positives (a B×K table,
/// K = largest class size − 1, padded), and which pairs are negatives. Positives are few (K ≪ B for P×K batches),
/// so algorithms that iterate over positives and vectorise over negatives stay O(B·K) or O(B²).
/// Tensors live in the dispose scope that was current at construction.
/// </summary>
internal sealed class PairTable : IBandStructure
{
    private PairTable(long[] labels, Device device)
    {
        Batch = labels.Length;
        var order = Enumerable.Range(0, labels.Length).OrderBy(i => labels[i]).ThenBy(i => i).ToArray();
        var groups = new List<(int Start, int Count)>();
        for (int s = 0; s < order.Length;)
        {
            int e = s;
            while (e < order.Length && labels[order[e]] == labels[order[s]]) e++;
            groups.Add((s, e - s));
            s = e;
        }
        int maxClass = groups.Count == 0 ? 0 : groups.Max(g => g.Count);
        K = Math.Max(0, maxClass - 1);
        var posIdx = new long[Batch * (long)Math.Max(K, 1)];
        var posValid = new bool[posIdx.Length];
        var posCount = new long[Batch];
        var negCount = new long[Batch];
        var classStart = new long[Batch];
        var classSize = new long[Batch];
        int kk = Math.Max(K, 1);
        foreach (var (start, count) in groups)
        {
            for (int i = 0; i < count; i++)
            {
                int a = order[start + i];
                posCount[a] = count - 1;
                negCount[a] = Batch - count;
                classStart[a] = start;
                classSize[a] = count;
                int k = 0;
                for (int j = 0; j < count; j++)
                {
                    int p = order[start + j];
                    if (p == a) continue;
                    posIdx[a * (long)kk + k] = p;
                    posValid[a * (long)kk + k] = true;
                    k++;
                }
                for (; k < kk; k++) posIdx[a * (long)kk + k] = a;
            }
        }
        PositiveCounts = posCount;
        NegativeCounts = negCount;
        HostLabels = labels;
        var classes = new int[Batch];
        for (int g = 0; g < groups.Count; g++)
            for (int i = 0; i < groups[g].Count; i++) classes[order[groups[g].Start + i]] = g;
        HostClasses = classes;
        HostPosIdx = posIdx;
        for (int a = 0; a < Batch; a++)
        {
            AllTripletCount += posCount[a] * negCount[a];
            if (posCount[a] > 0 && negCount[a] > 0) ValidAnchorCount++;
        }
        Order = tensor(order.Select(i => (long)i).ToArray(), device: device);
        ClassStart = tensor(classStart, device: device);
        ClassSize = tensor(classSize, device: device);
        PosIdx = tensor(posIdx, new long[] { Batch, kk }, device: device);
        PosValid = tensor(posValid, new long[] { Batch, kk }, device: device);
        PosCount = tensor(posCount, device: device);
        NegCount = tensor(negCount, device: device);
        Labels = tensor(labels, device: device);
    }

    /// <summary>The general form: from a row-major B×B match matrix (true: a positive; the diagonal is ignored).</summary>
    private PairTable(bool[] matches, int batch, Device device)
    {
        Batch = batch;
        var negatives = new byte[batch * (long)batch];
        var posCount = new long[batch];
        var negCount = new long[batch];
        for (int a = 0; a < batch; a++)
        {
            long row = a * (long)batch;
            for (int j = 0; j < batch; j++)
            {
                if (j == a) continue;
                if (matches[row + j]) posCount[a]++;
                else { negatives[row + j] = 1; negCount[a]++; }
            }
        }
        K = batch == 0 ? 0 : (int)posCount.Max();
        int kk = Math.Max(K, 1);
        var posIdx = new long[batch * (long)kk];
        var posValid = new bool[posIdx.Length];
        for (int a = 0; a < batch; a++)
        {
            long row = a * (long)batch;
            int k = 0;
            for (int j = 0; j < batch; j++)
            {
                if (j == a || !matches[row + j]) continue;
                posIdx[a * (long)kk + k] = j;
                posValid[a * (long)kk + k] = true;
                k++;
            }
            for (; k < kk; k++) posIdx[a * (long)kk + k] = a;
            AllTripletCount += posCount[a] * negCount[a];
            if (posCount[a] > 0 && negCount[a] > 0) ValidAnchorCount++;
        }
        PositiveCounts = posCount;
        NegativeCounts = negCount;
        HostPosIdx = posIdx;
        HostNegatives = negatives;
        HostLabels = null!;
        HostClasses = null!;
        Labels = null!;
        Order = null!;
        ClassStart = null!;
        ClassSize = null!;
        Negatives = tensor(negatives, new long[] { batch, batch }, device: device).to(ScalarType.Bool);
        PosIdx = tensor(posIdx, new long[] { batch, kk }, device: device);
        PosValid = tensor(posValid, new long[] { batch, kk }, device: device);
        PosCount = tensor(posCount, device: device);
        NegCount = tensor(negCount, device: device);
    }

    /// <summary>B.</summary>
    public int Batch { get; }

    /// <summary>Width of the positive table: largest class size − 1 (0 when no anchor has a positive).</summary>
    public int K { get; }

    /// <summary>Number of (a, p, n) triplets with label(a) = label(p), a ≠ p, label(n) ≠ label(a).</summary>
    public long AllTripletCount { get; }

    /// <summary>Anchors with at least one positive and one negative.</summary>
    public long ValidAnchorCount { get; }

    /// <summary>Positives per anchor (host copy).</summary>
    public long[] PositiveCounts { get; }

    /// <summary>Negatives per anchor (host copy).</summary>
    public long[] NegativeCounts { get; }

    /// <summary>
    /// Whether the table was built from a match matrix (the general case, multi-label or a custom relation): then
    /// <see cref="HostNegatives"/> says which pairs are negatives, and the label-only members (<see cref="HostLabels"/>,
    /// <see cref="HostClasses"/>, <see cref="Labels"/>, <see cref="Order"/>, <see cref="ClassStart"/>,
    /// <see cref="ClassSize"/>) are not set.
    /// </summary>
    public bool IsGeneral => HostNegatives is not null;

    /// <summary>General case only: row-major B×B, 1 where column n is a negative of anchor a (never on the diagonal).</summary>
    public byte[]? HostNegatives { get; }

    /// <summary>General case only: the B×B bool negative mask on the device.</summary>
    private Tensor? Negatives { get; }

    /// <summary>Dense class index 0..C−1 of every row (host).</summary>
    public int[] HostClasses { get; }

    /// <summary>Labels (host copy).</summary>
    public long[] HostLabels { get; }

    /// <summary><see cref="PosIdx"/> (host copy, row-major B×max(K,1)).</summary>
    public long[] HostPosIdx { get; }

    /// <summary>Row width of <see cref="PosIdx"/>: max(K, 1).</summary>
    public int Width => Math.Max(K, 1);

    /// <inheritdoc />
    int IBandStructure.Rows => Batch;

    /// <inheritdoc />
    int IBandStructure.Columns => Batch;

    /// <summary>Labels (B, int64) on the device.</summary>
    public Tensor Labels { get; }

    /// <summary>Batch indices sorted by (label, index).</summary>
    public Tensor Order { get; }

    /// <summary>For each anchor, where its class starts in <see cref="Order"/>.</summary>
    public Tensor ClassStart { get; }

    /// <summary>For each anchor, the size of its class.</summary>
    public Tensor ClassSize { get; }

    /// <summary>B×max(K,1) positive indices in ascending order, padded with the anchor itself.</summary>
    public Tensor PosIdx { get; }

    /// <summary>B×max(K,1): which entries of <see cref="PosIdx"/> are real positives.</summary>
    public Tensor PosValid { get; }

    /// <summary>Positives per anchor (B, int64).</summary>
    public Tensor PosCount { get; }

    /// <summary>Negatives per anchor (B, int64).</summary>
    public Tensor NegCount { get; }

    /// <summary>Whether any triplet exists.</summary>
    public bool HasTriplets => AllTripletCount > 0;

    /// <summary>Negative mask for rows [start, start+count): label(a) ≠ label(n), or the match matrix's negatives (a new tensor).</summary>
    public Tensor NegativeMask(long start, long count) =>
        Negatives is not null ? Negatives.narrow(0, start, count).clone() : Labels.narrow(0, start, count).unsqueeze(1).ne(Labels.unsqueeze(0));

    /// <summary>Builds the table from 1-D int64 labels, or from a B×B bool match matrix (the general case), on any device.</summary>
    public static PairTable Build(Tensor labels)
    {
        if (labels.dtype == ScalarType.Bool)
        {
            long b = labels.shape[0];
            return new PairTable(labels.cpu().contiguous().data<bool>().ToArray(), (int)b, labels.device);
        }
        long[] host;
        // Not disposed: cpu() may return the caller's tensor itself; the caller's dispose scope owns any copy.
        host = labels.cpu().contiguous().data<long>().ToArray();
        return new PairTable(host, labels.device);
    }
}
