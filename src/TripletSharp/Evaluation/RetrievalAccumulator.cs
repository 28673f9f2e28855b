using System.Runtime.InteropServices;
using TorchSharp;
using TripletSharp.Mining;
using static TorchSharp.torch;

namespace TripletSharp.Evaluation;

/// <summary>Sums the per-query retrieval metrics over blocks of queries, from their neighbours' indices.</summary>
/// <remarks>
/// One pass per query over its ranked neighbour labels (managed code, rows in parallel). A tensor-op version over
/// the b×k label-match matrix (gather, compare, two cumulative sums) took ~30 % of a 30,000-item evaluation;
/// this takes a few percent. Per-query values are stored and summed in query order, so results do not depend on
/// thread scheduling.
/// </remarks>
internal sealed class RetrievalAccumulator
{
    private static readonly int[] RecallKs = [1, 2, 4, 8];
    private readonly int[] _labels;
    private readonly ItemRelation? _relation;
    private double[] _inverse = [];
    private readonly long[] _r;
    private readonly int _knnK;
    private double _p1, _rp, _map, _knn;
    private readonly double[] _recall = new double[RecallKs.Length];
    private double[] _rpRow = [], _mapRow = [];
    private byte[] _flags = [];

    /// <param name="labels">Dense class of every gallery item (= query).</param>
    /// <param name="r">R of every query (0 = lone, skipped).</param>
    /// <param name="knnK">Neighbours in the k-NN vote.</param>
    /// <param name="relation">Which neighbours are relevant when it is not the same class (multi-label); then no k-NN vote.</param>
    public RetrievalAccumulator(long[] labels, long[] r, int knnK, ItemRelation? relation = null)
    {
        _relation = relation;
        // Dense class ids fit in an int; half the bytes per lookup in the inner loop.
        _labels = Array.ConvertAll(labels, l => checked((int)l));
        _r = r;
        _knnK = knnK;
    }

    /// <summary>Adds the block of queries starting at <paramref name="start"/>, with its b×k neighbour indices.</summary>
    public void Add(long start, Tensor indices)
    {
        using var scope = NewDisposeScope();
        var idx = indices.device_type == DeviceType.CPU ? indices.contiguous() : indices.cpu().contiguous();
        int b = (int)idx.shape[0];
        int k = (int)idx.shape[1];
        if (_rpRow.Length < b)
        {
            _rpRow = new double[b];
            _mapRow = new double[b];
            _flags = new byte[b];
        }
        if (_inverse.Length < k)
        {
            _inverse = new double[k];
            for (int i = 0; i < k; i++) _inverse[i] = 1.0 / (i + 1);
        }
        int kv = Math.Min(_knnK, k);
        int threads = Math.Max(1, torch.get_num_threads());
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, w =>
        {
            ReadOnlySpan<long> all = MemoryMarshal.Cast<byte, long>(idx.bytes);
            var labels = _labels;
            ReadOnlySpan<double> inverse = _inverse;
            Span<long> votes = stackalloc long[kv];
            for (int q = w; q < b; q += threads)
            {
                int query = (int)(start + q);
                long r = _r[query];
                if (r == 0)
                {
                    _flags[q] = 0;
                    continue;
                }
                var row = all.Slice(q * k, k);
                byte f;
                if (_relation is null)
                {
                    int own = labels[query];
                    f = Score(row, r, new SameClass(labels, own), inverse, out _rpRow[q], out _mapRow[q]);
                    for (int i = 0; i < kv; i++) votes[i] = labels[(int)row[i]];
                    if (Vote(votes) == own) f |= 32;
                }
                else f = Score(row, r, new Related(_relation, query), inverse, out _rpRow[q], out _mapRow[q]);
                _flags[q] = f;
            }
        });
        for (int q = 0; q < b; q++)
        {
            byte f = _flags[q];
            if ((f & 1) == 0) continue;
            _rp += _rpRow[q];
            _map += _mapRow[q];
            for (int j = 0; j < RecallKs.Length; j++)
                if ((f & (2 << j)) != 0) _recall[j]++;
            if ((f & 2) != 0) _p1++;
            if ((f & 32) != 0) _knn++;
        }
    }

    /// <summary>
    /// One query's R-precision and MAP@R terms and its flags (bit 0: counted; bits 1..4: recall@1,2,4,8), given which
    /// neighbours are relevant: generic so that the single-label test is inlined.
    /// </summary>
    private static byte Score<TRel>(ReadOnlySpan<long> row, long r, TRel relevant, ReadOnlySpan<double> inverse, out double rp, out double map)
        where TRel : struct, IRelevance
    {
        int k = row.Length;
        int scan = (int)Math.Max(r, Math.Min(8, k));
        int within = (int)Math.Min(r, scan);
        // The first hit (for recall@k), then a branch-free pass over the first R (whether a neighbour matches
        // is data, so a branch on it is mispredicted about half the time); 1/(i+1) from a table.
        int firstHit = -1;
        for (int i = 0; i < scan; i++)
            if (relevant.Of((int)row[i]) != 0) { firstHit = i; break; }
        int hits = 0;
        double ap = 0;
        if (firstHit >= 0)
            for (int i = firstHit; i < within; i++)
            {
                int match = relevant.Of((int)row[i]);
                hits += match;
                ap += match * hits * inverse[i];
            }
        rp = (double)hits / r;
        map = ap / r;
        byte f = 1; // bit 0: counted; bits 1..4: recall@1,2,4,8; bit 5: k-NN vote correct (set by the caller)
        for (int j = 0; j < RecallKs.Length; j++)
            if (firstHit >= 0 && firstHit < RecallKs[j]) f |= (byte)(2 << j);
        return f;
    }

    /// <summary>Whether a neighbour is relevant to the query: 1 or 0.</summary>
    private interface IRelevance
    {
        int Of(int item);
    }

    /// <summary>Single labels: the neighbour is of the query's class.</summary>
    private readonly struct SameClass(int[] labels, int own) : IRelevance
    {
        public int Of(int item) => labels[item] == own ? 1 : 0;
    }

    /// <summary>Multi-label or a custom relation: the neighbour is a positive of the query.</summary>
    private readonly struct Related(ItemRelation relation, int query) : IRelevance
    {
        public int Of(int item) => relation.Positive(query, item) ? 1 : 0;
    }

    /// <summary>Majority label; among tied labels, the one that appears first (nearest).</summary>
    internal static long Vote(ReadOnlySpan<long> labels)
    {
        long best = labels[0];
        int bestCount = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            int count = 0;
            bool seenBefore = false;
            for (int j = 0; j < labels.Length; j++)
            {
                if (labels[j] != labels[i]) continue;
                if (j < i)
                {
                    seenBefore = true;
                    break;
                }
                count++;
            }
            if (!seenBefore && count > bestCount)
            {
                best = labels[i];
                bestCount = count;
            }
        }
        return best;
    }

    /// <summary>Means over the <paramref name="queries"/> non-lone queries (NaN when there are none).</summary>
    public RetrievalMetrics Result(long queries, double nmi)
    {
        double Mean(double sum) => queries > 0 ? sum / queries : double.NaN;
        return new RetrievalMetrics(Mean(_p1), Mean(_rp), Mean(_map), Mean(_recall[0]), Mean(_recall[1]), Mean(_recall[2]), Mean(_recall[3]), nmi, _relation is null ? Mean(_knn) : double.NaN, queries);
    }
}
