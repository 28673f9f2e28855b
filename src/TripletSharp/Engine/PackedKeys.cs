using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TripletSharp.Engine;

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
        // Negatives: all bits flipped; positives: sign bit set. Unsigned order is then float order.
        return ((ulong)Map(u) << 32) | (uint)column;
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
    public const int HistogramSize = 2 << DigitBits;

    private const int DigitBits = 11;

    /// <summary>
    /// Sorts candidates appended in increasing column order by (key, column): a stable LSD radix sort (two passes of
    /// ≤ 11 bits, both histograms from one read) on the key bits that vary (key minus the minimum key), so equal keys
    /// keep column order; or on a quantisation of the key when more bits vary. Returns the sorted data, which lies in
    /// <paramref name="a"/> or <paramref name="tmp"/>.
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
        if (bits <= 2 * DigitBits) return Lsd(a, tmp, hist, min, bits);
        // Keys spanning many binades (e.g. of both signs) would need a third pass: sort on a 22-bit linear
        // quantisation of the value instead (monotone, so only keys in the same quantum can end up out of
        // order), then finish with an insertion pass on the full (key, column) order, which moves only those.
        double lo = Key((ulong)min << 32), scale = ((1 << 2 * DigitBits) - 1) / (Key((ulong)max << 32) - lo);
        Quantised(a, tmp, hist, lo, scale);
        long moves = 0;
        for (int j = 1; j < c; j++)
        {
            ulong x = a[j];
            if (a[j - 1] <= x) continue;
            int m = j - 1;
            while (m >= 0 && a[m] > x)
            {
                a[m + 1] = a[m];
                m--;
            }
            a[m + 1] = x;
            // Keys crowded into few quanta (a far outlier stretches the range): finish with a comparison sort.
            if ((moves += j - 1 - m) > 8L * c)
            {
                a.Sort();
                break;
            }
        }
        return a;
    }

    private static ReadOnlySpan<ulong> Lsd(Span<ulong> a, Span<ulong> tmp, Span<int> hist, uint min, int bits)
    {
        int c = a.Length, i;
        ref ulong ar = ref MemoryMarshal.GetReference(a);
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
        }
        Prefix(ref hr, buckets, passes);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Quantised(Span<ulong> a, Span<ulong> tmp, Span<int> hist, double lo, double scale)
    {
        int c = a.Length, i;
        const int buckets = 1 << DigitBits;
        const uint mask = buckets - 1;
        var h = hist[..(2 * buckets)];
        h.Clear();
        ref int hr = ref MemoryMarshal.GetReference(h);
        ref ulong ar = ref MemoryMarshal.GetReference(a);
        for (i = 0; i < c; i++)
        {
            uint x = Quantum(Unsafe.Add(ref ar, i), lo, scale);
            Unsafe.Add(ref hr, (int)(x & mask))++;
            Unsafe.Add(ref hr, buckets + (int)(x >> DigitBits))++;
        }
        Prefix(ref hr, buckets, 2);
        ref ulong tr = ref MemoryMarshal.GetReference(tmp);
        for (i = 0; i < c; i++)
        {
            ulong p = Unsafe.Add(ref ar, i);
            Unsafe.Add(ref tr, Unsafe.Add(ref hr, (int)(Quantum(p, lo, scale) & mask))++) = p;
        }
        ref int hi = ref Unsafe.Add(ref hr, buckets);
        for (i = 0; i < c; i++)
        {
            ulong p = Unsafe.Add(ref tr, i);
            Unsafe.Add(ref ar, Unsafe.Add(ref hi, (int)(Quantum(p, lo, scale) >> DigitBits))++) = p;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Quantum(ulong packed, double lo, double scale) =>
        Math.Min((uint)((Key(packed) - lo) * scale), (1u << 2 * DigitBits) - 1);

    private static void Prefix(ref int hr, int buckets, int passes)
    {
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
    }

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

    /// <summary>
    /// A value t with at least r + 1 of <paramref name="a"/> ≤ t, at most the r-th smallest value rounded up to 22
    /// significant key bits: a two-level radix select (no data-dependent branches, unlike quickselect).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float ThresholdAtRank(ReadOnlySpan<float> a, int r, Span<int> hist)
    {
        var h = hist[..2048];
        h.Clear();
        for (int i = 0; i < a.Length; i++) h[(int)(Map(a[i]) >> 21)]++;
        int b1 = 0, before = 0;
        while (before + h[b1] <= r) before += h[b1++];
        h.Clear();
        for (int i = 0; i < a.Length; i++)
        {
            uint m = Map(a[i]);
            if ((m >> 21) == (uint)b1) h[(int)((m >> 10) & 0x7FF)]++;
        }
        int b2 = 0;
        while (before + h[b2] <= r) before += h[b2++];
        uint edge = ((uint)b1 << 21) | ((uint)b2 << 10) | 0x3FF;
        return BitConverter.Int32BitsToSingle((int)Unmap(edge));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Map(float u)
    {
        uint bits = (uint)BitConverter.SingleToInt32Bits(u + 0f);
        return bits ^ ((uint)((int)bits >> 31) | 0x8000_0000u);
    }
}
