using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// The class structure of one batch in compact form: for every anchor the indices of its positives (a B×K table,
/// K = largest class size − 1, padded), and which pairs are negatives. Positives are few (K ≪ B for P×K batches),
/// so algorithms that iterate over positives and vectorise over negatives stay O(B·K) or O(B²).
/// Tensors live in the dispose scope that was current at construction; a host-only table (<see cref="BuildHost"/>, for
/// the CPU kernels, which read only the host arrays) has none until <see cref="WithTensors"/>.
/// </summary>
internal sealed class PairTable : IBandStructure
{
    private PairTable(long[] labels, Device device, bool withTensors)
    {
        Batch = labels.Length;
        _device = device;
        // Indices sorted by (label, index): a total order, so the unstable sort gives one result.
        var order = new int[labels.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (i, j) => labels[i] != labels[j] ? labels[i].CompareTo(labels[j]) : i.CompareTo(j));
        var groups = new List<(int Start, int Count)>();
        for (int s = 0; s < order.Length;)
        {
            int e = s;
            while (e < order.Length && labels[order[e]] == labels[order[s]]) e++;
            groups.Add((s, e - s));
            s = e;
        }
        int maxClass = 0;
        foreach (var g in groups) maxClass = Math.Max(maxClass, g.Count);
        K = Math.Max(0, maxClass - 1);
        int kk = Math.Max(K, 1);
        var posIdx = new long[Batch * (long)kk];
        var posValid = new bool[posIdx.Length];
        var posCount = new long[Batch];
        var negCount = new long[Batch];
        var classStart = new long[Batch];
        var classSize = new long[Batch];
        var classes = new int[Batch];
        for (int g = 0; g < groups.Count; g++)
        {
            var (start, count) = groups[g];
            for (int i = 0; i < count; i++)
            {
                int a = order[start + i];
                posCount[a] = count - 1;
                negCount[a] = Batch - count;
                classStart[a] = start;
                classSize[a] = count;
                classes[a] = g;
                long row = a * (long)kk;
                int k = 0;
                for (int j = 0; j < count; j++)
                {
                    int p = order[start + j];
                    if (p == a) continue;
                    posIdx[row + k] = p;
                    posValid[row + k] = true;
                    k++;
                }
                for (; k < kk; k++) posIdx[row + k] = a;
            }
        }
        PositiveCounts = posCount;
        NegativeCounts = negCount;
        HostLabels = labels;
        HostClasses = classes;
        HostPosIdx = posIdx;
        _posValid = posValid;
        _order = order;
        _classStart = classStart;
        _classSize = classSize;
        for (int a = 0; a < Batch; a++)
        {
            AllTripletCount += posCount[a] * negCount[a];
            if (posCount[a] > 0 && negCount[a] > 0) ValidAnchorCount++;
        }
        if (withTensors) MakeTensors();
    }

    /// <summary>A table over the same (immutable) host arrays as <paramref name="other"/>, with its own tensors or none.</summary>
    private PairTable(PairTable other, bool withTensors)
    {
        Batch = other.Batch;
        K = other.K;
        AllTripletCount = other.AllTripletCount;
        ValidAnchorCount = other.ValidAnchorCount;
        PositiveCounts = other.PositiveCounts;
        NegativeCounts = other.NegativeCounts;
        HostLabels = other.HostLabels;
        HostClasses = other.HostClasses;
        HostPosIdx = other.HostPosIdx;
        HostNegatives = other.HostNegatives;
        _device = other._device;
        _posValid = other._posValid;
        _order = other._order;
        _classStart = other._classStart;
        _classSize = other._classSize;
        if (withTensors) MakeTensors();
    }

    /// <summary>The general form: from a row-major B×B match matrix (true: a positive; the diagonal is ignored).</summary>
    private PairTable(bool[] matches, int batch, Device device, bool withTensors)
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
        _device = device;
        _posValid = posValid;
        if (withTensors) MakeTensors();
    }

    private readonly Device _device;
    private readonly bool[] _posValid;
    private readonly int[]? _order;
    private readonly long[]? _classStart;
    private readonly long[]? _classSize;

    private Tensor? _negatives, _labels, _orderTensor, _classStartTensor, _classSizeTensor, _posIdxTensor, _posValidTensor, _posCountTensor, _negCountTensor;

    /// <summary>The device tensors, in the current dispose scope.</summary>
    private void MakeTensors()
    {
        if (IsGeneral)
        {
            _negatives = tensor(HostNegatives!, new long[] { Batch, Batch }, device: _device).to(ScalarType.Bool);
        }
        else
        {
            _labels = tensor(HostLabels, device: _device);
            _orderTensor = tensor(_order!.Select(i => (long)i).ToArray(), device: _device);
            _classStartTensor = tensor(_classStart!, device: _device);
            _classSizeTensor = tensor(_classSize!, device: _device);
        }
        _posIdxTensor = tensor(HostPosIdx, new long[] { Batch, Width }, device: _device);
        _posValidTensor = tensor(_posValid, new long[] { Batch, Width }, device: _device);
        _posCountTensor = tensor(PositiveCounts, device: _device);
        _negCountTensor = tensor(NegativeCounts, device: _device);
        HasTensors = true;
    }

    /// <summary>Whether the device tensors exist (<see cref="Build"/>, <see cref="WithTensors"/>); a host-only table has none.</summary>
    public bool HasTensors { get; private set; }

    private Tensor Need(Tensor? t) =>
        t ?? throw new InvalidOperationException("This pair table holds host arrays only (for the CPU kernels); use WithTensors() for its device tensors.");

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
    private Tensor? Negatives => HostNegatives is null ? null : Need(_negatives);

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
    public Tensor Labels => IsGeneral ? null! : Need(_labels);

    /// <summary>Batch indices sorted by (label, index).</summary>
    public Tensor Order => IsGeneral ? null! : Need(_orderTensor);

    /// <summary>For each anchor, where its class starts in <see cref="Order"/>.</summary>
    public Tensor ClassStart => IsGeneral ? null! : Need(_classStartTensor);

    /// <summary>For each anchor, the size of its class.</summary>
    public Tensor ClassSize => IsGeneral ? null! : Need(_classSizeTensor);

    /// <summary>B×max(K,1) positive indices in ascending order, padded with the anchor itself.</summary>
    public Tensor PosIdx => Need(_posIdxTensor);

    /// <summary>B×max(K,1): which entries of <see cref="PosIdx"/> are real positives.</summary>
    public Tensor PosValid => Need(_posValidTensor);

    /// <summary>Positives per anchor (B, int64).</summary>
    public Tensor PosCount => Need(_posCountTensor);

    /// <summary>Negatives per anchor (B, int64).</summary>
    public Tensor NegCount => Need(_negCountTensor);

    /// <summary>Whether any triplet exists.</summary>
    public bool HasTriplets => AllTripletCount > 0;

    /// <summary>Negative mask for rows [start, start+count): label(a) ≠ label(n), or the match matrix's negatives (a new tensor).</summary>
    public Tensor NegativeMask(long start, long count) =>
        Negatives is not null ? Negatives.narrow(0, start, count).clone() : Labels.narrow(0, start, count).unsqueeze(1).ne(Labels.unsqueeze(0));

    /// <summary>
    /// This table's structure for <paramref name="labels"/> (1-D int64) when they are the labels it was built from: a
    /// host-only table over the same host arrays; otherwise (other labels, a match matrix, a general table) null.
    /// </summary>
    public PairTable? ReuseFor(Tensor labels)
    {
        if (IsGeneral || labels.dtype != ScalarType.Int64 || labels.dim() != 1 || labels.shape[0] != Batch) return null;
        var host = labels.cpu().contiguous();
        return host.data<long>().ToArray().AsSpan().SequenceEqual(HostLabels) ? new PairTable(this, withTensors: false) : null;
    }

    /// <summary>This table when it has its device tensors, else a table over the same host arrays with them (current scope).</summary>
    public PairTable WithTensors() => HasTensors ? this : new PairTable(this, withTensors: true);

    /// <summary>
    /// <see cref="Build"/> without the device tensors: the host arrays the CPU kernels read (tensors through
    /// <see cref="WithTensors"/>).
    /// </summary>
    public static PairTable BuildHost(Tensor labels) => Create(labels, withTensors: false);

    /// <summary>Builds the table from 1-D int64 labels, or from a B×B bool match matrix (the general case), on any device.</summary>
    public static PairTable Build(Tensor labels) => Create(labels, withTensors: true);

    private static PairTable Create(Tensor labels, bool withTensors)
    {
        if (labels.dtype == ScalarType.Bool)
        {
            long b = labels.shape[0];
            return new PairTable(labels.cpu().contiguous().data<bool>().ToArray(), (int)b, labels.device, withTensors);
        }
        // Not disposed: cpu() may return the caller's tensor itself; the caller's dispose scope owns any copy.
        long[] host = labels.cpu().contiguous().data<long>().ToArray();
        return new PairTable(host, labels.device, withTensors);
    }
}
