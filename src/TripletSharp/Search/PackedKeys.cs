using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TripletSharp.Search;

/// <summary>
/// Candidates packed as one ulong: an order-preserving image of the float32 ranking key in the high half and the
/// gallery column in the low half, so that ulong order is (key, column) order.
/// </summary>
internal static class PackedKeys
{
    /// <summary>Packs a key and its column (−0 is canonicalised to +0 so the two tie).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Pack(float u, int column)
    {
        uint bits = (uint)BitConverter.SingleToInt32Bits(u + 0f);
        uint key = bits ^ ((uint)((int)bits >> 31) | 0x8000_0000u); // negatives: all bits flipped; positives: sign set
        return ((ulong)key << 32) | (uint)column;
    }

    /// <summary>The key of a packed candidate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Key(ulong packed)
    {
        return BitConverter.Int32BitsToSingle((int)Unmap((uint)(packed >> 32)));
    }

    /// <summary>The column of a packed candidate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Column(ulong packed) => (int)(uint)packed;

    /// <summary>Histogram length <see cref="Sort"/> needs.</summary>
    public const int HistogramSize = 3 << DigitBits;

    private const int DigitBits = 11;

    /// <summary>
    /// Sorts candidates appended in increasing column order by (key, column): a stable LSD radix sort on only the key
    /// bits that vary (key minus the minimum key; at most 3 passes of ≤ 11 bits, all histograms from one read), so
    /// equal keys keep column order. Returns the sorted data, which lies in <paramref name="a"/> or <paramref name="tmp"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ReadOnlySpan<ulong> Sort(Span<ulong> a, Span<ulong> tmp, Span<int> hist)
    {
        int c = a.Length;
        if (c <= 1) return a;
        ref ulong ar = ref MemoryMarshal.GetReference(a);
        uint min = uint.MaxValue, max = 0;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vmin = Vector512.Create(ulong.MaxValue);
            var vmax = Vector512<ulong>.Zero;
            for (; i <= c - 8; i += 8)
            {
                var v = Vector512.LoadUnsafe(ref ar, (nuint)i) >> 32;
                vmin = Vector512.Min(vmin, v);
                vmax = Vector512.Max(vmax, v);
            }
            for (int l = 0; l < 8; l++)
            {
                min = Math.Min(min, (uint)vmin[l]);
                max = Math.Max(max, (uint)vmax[l]);
            }
        }
        for (; i < c; i++)
        {
            uint key = (uint)(Unsafe.Add(ref ar, i) >> 32);
            min = Math.Min(min, key);
            max = Math.Max(max, key);
        }
        uint range = max - min;
        if (range == 0) return a; // all tied: already in column order
        int bits = 32 - BitOperations.LeadingZeroCount(range);
        int passes = (bits + DigitBits - 1) / DigitBits;
        int digit = (bits + passes - 1) / passes;
        int buckets = 1 << digit;
        uint mask = (uint)buckets - 1;
        var h = hist[..(buckets * passes)];
        h.Clear();
        ref int hr = ref MemoryMarshal.GetReference(h);
        for (i = 0; i < c; i++)
        {
            uint x = (uint)(Unsafe.Add(ref ar, i) >> 32) - min;
            Unsafe.Add(ref hr, (int)(x & mask))++;
            if (passes > 1) Unsafe.Add(ref hr, buckets + (int)((x >> digit) & mask))++;
            if (passes > 2) Unsafe.Add(ref hr, 2 * buckets + (int)((x >> (2 * digit)) & mask))++;
        }
        for (int p = 0; p < passes; p++)
        {
            int sum = 0;
            ref int hp = ref Unsafe.Add(ref hr, p * buckets);
            for (int b = 0; b < buckets; b++)
            {
                int n = Unsafe.Add(ref hp, b);
                Unsafe.Add(ref hp, b) = sum;
                sum += n;
            }
        }
        Span<ulong> src = a, dst = tmp[..c];
        for (int pass = 0, shift = 0; pass < passes; pass++, shift += digit)
        {
            ref ulong sr = ref MemoryMarshal.GetReference(src);
            ref ulong dr = ref MemoryMarshal.GetReference(dst);
            ref int hp = ref Unsafe.Add(ref hr, pass * buckets);
            for (i = 0; i < c; i++)
            {
                ulong p = Unsafe.Add(ref sr, i);
                ref int slot = ref Unsafe.Add(ref hp, (int)((((uint)(p >> 32) - min) >> shift) & mask));
                Unsafe.Add(ref dr, slot++) = p;
            }
            var t = src;
            src = dst;
            dst = t;
        }
        return src;
    }

    /// <summary>Inverse of the key map, branch-free (keys of mixed sign would defeat branch prediction).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Unmap(uint key) => key ^ ((uint)((int)~key >> 31) | 0x8000_0000u);

    /// <summary>
    /// Rank of the sample value used as a filter threshold so that, with high probability, at least k of
    /// <paramref name="available"/> values lie at or below it; −1 when sampling would not pay (keep everything).
    /// </summary>
    public static int ThresholdRank(int k, int available, int sampleSize, double z)
    {
        if ((long)k * 3 >= available) return -1;
        double p = (double)k / available;
        int r = (int)Math.Ceiling(p * sampleSize + z * Math.Sqrt(sampleSize * p * (1 - p)) + 8);
        return r >= sampleSize ? -1 : r - 1;
    }

    /// <summary>The value of rank <paramref name="r"/> (0-based) of <paramref name="a"/>; reorders <paramref name="a"/>.</summary>
    public static float QuickSelect(Span<float> a, int r)
    {
        int lo = 0, hi = a.Length - 1;
        while (hi > lo)
        {
            int mid = lo + ((hi - lo) >> 1);
            if (a[mid] < a[lo]) (a[mid], a[lo]) = (a[lo], a[mid]);
            if (a[hi] < a[lo]) (a[hi], a[lo]) = (a[lo], a[hi]);
            if (a[hi] < a[mid]) (a[hi], a[mid]) = (a[mid], a[hi]);
            float pivot = a[mid];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }
            if (r <= j) hi = j;
            else if (r >= i) lo = i;
            else return a[r];
        }
        return a[r];
    }
}
