using System.Numerics;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// CPU implementation of FaceNet semi-hard selection in one pass per anchor, without sorting the negatives: each
/// negative n falls into the bucket j = #{positives with d_ap &lt; d_an}, i.e. it is "beyond" exactly the j closest
/// positives. Keeping the closest negative per bucket and taking suffix minima gives, for every positive, the closest
/// negative beyond it in O(B·(rank query) + K) per anchor.
/// </summary>
internal static class FaceNetKernel
{
    /// <summary>
    /// Writes into <paramref name="result"/>[0..<see cref="SlotTriplets.Count"/>) the negative chosen for every (anchor,
    /// positive slot), B×max(K,1) indexed like <see cref="PairTable.HostPosIdx"/>; −1 where the slot is padding or the
    /// anchor has no negative.
    /// </summary>
    public static void Select(Tensor m, bool negate, PairTable t, int[] result)
    {
        if (m.dtype == ScalarType.Float32) Run<float>(m, negate, t, result);
        else Run<double>(m, negate, t, result);
    }

    private static void Run<T>(Tensor m, bool negate, PairTable t, int[] result) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int b = t.Batch, width = t.Width;
        Array.Fill(result, -1, 0, SlotTriplets.Count(t));
        int threads = HostTensor.Threads;
        using var blocks = new RowBlocks(m, RowBlocks.Size(b, b, System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), 4L * threads));
        Parallel.For(0, blocks.Count, new ParallelOptions { MaxDegreeOfParallelism = threads },
            () => new Scratch<T>(width, b),
            (block, _, s) =>
            {
                var rows = HostTensor.Span<T>(blocks[block]);
                long r0 = block * blocks.RowsPerBlock;
                for (int r = 0; r < rows.Length / b; r++)
                {
                    int a = (int)(r0 + r);
                    if (t.IsGeneral) Row(a, rows.Slice(r * b, b), negate, t, s, result, NegativeRows.Matches(t, a));
                    else Row(a, rows.Slice(r * b, b), negate, t, s, result, NegativeRows.Classes(t, a));
                }
                return s;
            },
            _ => { });
    }

    private static void Row<T, TNeg>(int a, Span<T> row, bool negate, PairTable t, Scratch<T> s, int[] result, TNeg negatives)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TNeg : struct, INegativeRow
    {
        int npos = (int)t.PositiveCounts[a];
        if (npos == 0 || t.NegativeCounts[a] == 0) return;
        int width = t.Width;
        long rowBase = (long)a * width;
        var pos = s.Positives;
        var slot = s.Slots;
        PositiveSort.Sort(row, t.HostPosIdx, rowBase, npos, negate, pos, slot, s.Keys, toColumns: false);
        var sorted = new SortedPositives<T>(pos, npos, s.Coarse, s.Table);
        var bestValue = s.BestValue;
        var bestIndex = s.BestIndex;
        Array.Fill(bestValue, T.PositiveInfinity, 0, npos + 1);
        Array.Fill(bestIndex, -1, 0, npos + 1);
        var bucket = s.Buckets;
        sorted.BucketsOf(row, negate, T.Zero, bucket);
        T farthest = T.NegativeInfinity;
        int farthestIndex = -1;
        for (int n = 0; n < row.Length; n++)
        {
            if (negatives.Negative(n) == 0) continue;
            T e = negate ? -row[n] : row[n];
            // Strict comparisons keep the lowest index among equal values (n ascends).
            if (e > farthest) { farthest = e; farthestIndex = n; }
            int j = sorted.CountIn(bucket[n], e, false);
            if (e < bestValue[j]) { bestValue[j] = e; bestIndex[j] = n; }
        }
        T currentValue = T.PositiveInfinity;
        int currentIndex = -1;
        for (int k = npos - 1; k >= 0; k--)
        {
            int j = k + 1;
            if (bestIndex[j] >= 0 && (bestValue[j] < currentValue || (bestValue[j] == currentValue && bestIndex[j] < currentIndex)))
            {
                currentValue = bestValue[j];
                currentIndex = bestIndex[j];
            }
            result[rowBase + slot[k]] = currentIndex >= 0 ? currentIndex : farthestIndex;
        }
    }

    private sealed class Scratch<T>(int width, int columns) where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Per column: the bucket of its rank query.</summary>
        public int[] Buckets { get; } = new int[columns];

        public T[] Positives { get; } = new T[SortedPositives<T>.BufferLength(width)];
        public T[] Coarse { get; } = new T[SortedPositives<T>.CoarseLength(width)];
        public int[] Table { get; } = new int[SortedPositives<T>.Buckets(width) + 1];
        public int[] Slots { get; } = new int[width];
        public ulong[] Keys { get; } = new ulong[width];
        public T[] BestValue { get; } = new T[width + 1];
        public int[] BestIndex { get; } = new int[width + 1];
    }
}
