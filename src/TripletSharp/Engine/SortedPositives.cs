using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TripletSharp.Engine;

/// <summary>
/// One anchor's sorted positive distances, laid out for fast rank queries ("how many are &lt; x"), the inner
/// operation of the band kernel (several per anchor–negative pair).
/// <para>
/// A bucket table over [min, max] (2K–4K buckets) maps x to the first value of its bucket; values in other buckets
/// are on the right side of x by monotonicity of the bucket function, so one SIMD compare of the bucket's few values
/// finishes the query: O(1) regardless of K. A bucket holding more values than one vector (very skewed or tied values)
/// falls back to a two-level SIMD scan: a coarse level holding the last value of every block, then the block.
/// </para>
/// </summary>
internal readonly ref struct SortedPositives<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly bool Wide = Vector256.IsHardwareAccelerated;
    private readonly Span<T> _values;
    private readonly Span<T> _coarse;
    private readonly Span<int> _table;
    private readonly int _count;
    private readonly T _origin;
    private readonly T _scale;
    private readonly int _last;

    /// <summary>Pads <paramref name="sorted"/>[0..count) in place and fills the coarse level and the bucket table.</summary>
    public SortedPositives(T[] sorted, int count, T[] coarse, int[] table)
    {
        int w = Width;
        int padded = PaddedLength(count);
        for (int i = count; i < sorted.Length; i++) sorted[i] = T.PositiveInfinity;
        int blocks = padded / w;
        int coarseLength = (blocks + w - 1) / w * w;
        for (int j = 0; j < blocks; j++) coarse[j] = sorted[j * w + w - 1];
        for (int j = blocks; j < coarseLength; j++) coarse[j] = T.PositiveInfinity;
        _values = sorted.AsSpan(0, padded);
        _coarse = coarse.AsSpan(0, coarseLength);
        _count = count;

        int buckets = Buckets(count);
        _origin = count > 0 ? sorted[0] : T.Zero;
        T range = count > 0 ? sorted[count - 1] - _origin : T.Zero;
        _scale = range > T.Zero && T.IsFinite(range) ? T.CreateTruncating(buckets) / range : T.Zero;
        _last = buckets - 1;
        _table = table.AsSpan(0, buckets + 1);
        int i2 = 0;
        for (int bkt = 0; bkt < buckets; bkt++)
        {
            while (i2 < count && Bucket(sorted[i2]) < bkt) i2++;
            _table[bkt] = i2;
        }
        _table[buckets] = count;
    }

    /// <summary>Elements per SIMD block.</summary>
    public static int Width => Wide ? Vector256<T>.Count : Vector128<T>.Count;

    public static int PaddedLength(int count) => Math.Max(1, (count + Width - 1) / Width) * Width;

    /// <summary>Length of the value buffer: the padded values plus one vector, so a block read may start at any value.</summary>
    public static int BufferLength(int count) => PaddedLength(count) + Width;

    public static int CoarseLength(int count) => (PaddedLength(count) / Width + Width - 1) / Width * Width;

    /// <summary>Number of buckets: a power of two ≥ 2·count.</summary>
    public static int Buckets(int count) => (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(8, 2 * count));

    /// <summary>Number of values &lt; x, or ≤ x when <paramref name="orEqual"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Count(T x, bool orEqual) => CountIn(Bucket(x), x, orEqual);

    /// <summary>
    /// Number of values &lt; x (returned) and ≤ x (<paramref name="orEqual"/>) from one bucket lookup: values equal to x
    /// share its bucket, so the same block of values answers both.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int CountBoth(T x, out int orEqual) => CountBothIn(Bucket(x), x, out orEqual);

    /// <summary>
    /// <see cref="Count"/> with the bucket of <paramref name="x"/> already known (<see cref="BucketsOf"/>); the table is
    /// read without bounds checks, since a bucket is always in [0, buckets).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int CountIn(int bucket, T x, bool orEqual)
    {
        ref int table = ref MemoryMarshal.GetReference(_table);
        int lo = Unsafe.Add(ref table, bucket);
        if (Unsafe.Add(ref table, bucket + 1) - lo <= Width)
            return lo + Rank(ref MemoryMarshal.GetReference(_values), lo, x, orEqual);
        return Scan(x, orEqual);
    }

    /// <summary><see cref="CountBoth"/> with the bucket of <paramref name="x"/> already known (<see cref="BucketsOf"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int CountBothIn(int bucket, T x, out int orEqual)
    {
        ref int table = ref MemoryMarshal.GetReference(_table);
        int lo = Unsafe.Add(ref table, bucket);
        if (Unsafe.Add(ref table, bucket + 1) - lo <= Width)
        {
            ref T data = ref MemoryMarshal.GetReference(_values);
            if (Wide)
            {
                var v = Vector256.LoadUnsafe(ref data, (nuint)lo);
                var xv = Vector256.Create(x);
                orEqual = lo + BitOperations.PopCount(Vector256.LessThanOrEqual(v, xv).ExtractMostSignificantBits());
                return lo + BitOperations.PopCount(Vector256.LessThan(v, xv).ExtractMostSignificantBits());
            }
            else
            {
                var v = Vector128.LoadUnsafe(ref data, (nuint)lo);
                var xv = Vector128.Create(x);
                orEqual = lo + BitOperations.PopCount(Vector128.LessThanOrEqual(v, xv).ExtractMostSignificantBits());
                return lo + BitOperations.PopCount(Vector128.LessThan(v, xv).ExtractMostSignificantBits());
            }
        }
        orEqual = Scan(x, true);
        return Scan(x, false);
    }

    /// <summary>
    /// The bucket of (±row[n]) − <paramref name="shift"/> for every column n (negated when <paramref name="negate"/>), in
    /// one vectorised pass for float: the same rounding as the scalar bucket function (one subtraction, one
    /// multiplication, truncation), clamped before the conversion instead of after, which gives the same bucket.
    /// </summary>
    public void BucketsOf(ReadOnlySpan<T> row, bool negate, T shift, Span<int> buckets)
    {
        int n = 0;
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
        {
            ref float r = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(row));
            ref int dest = ref MemoryMarshal.GetReference(buckets);
            var shiftV = Vector256.Create(float.CreateTruncating(shift));
            var origin = Vector256.Create(float.CreateTruncating(_origin));
            var scale = Vector256.Create(float.CreateTruncating(_scale));
            var last = Vector256.Create((float)_last);
            for (; n + Vector256<float>.Count <= row.Length; n += Vector256<float>.Count)
            {
                var e = Vector256.LoadUnsafe(ref r, (nuint)n);
                if (negate) e = -e;
                var f = (e - shiftV - origin) * scale;
                f = Vector256.MinNative(Vector256.MaxNative(f, Vector256<float>.Zero), last);
                Vector256.ConvertToInt32Native(f).StoreUnsafe(ref dest, (nuint)n);
            }
        }
        for (; n < row.Length; n++) buckets[n] = Bucket((negate ? -row[n] : row[n]) - shift);
    }

    /// <summary>Monotonic bucket of a value, clamped to the table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Bucket(T x)
    {
        // Branch-free clamp (the data decides which side, so branches would be mispredicted). Float-to-int conversion
        // saturates, and NaN cannot occur for finite inputs.
        int b = int.CreateSaturating((x - _origin) * _scale);
        return Math.Clamp(b, 0, _last);
    }

    /// <summary>Two-level SIMD scan for buckets too full for one compare.</summary>
    private int Scan(T x, bool orEqual)
    {
        int w = Width;
        ref T coarse = ref MemoryMarshal.GetReference(_coarse);
        int blocks = 0;
        // No early exit: the values are sorted, so summing every coarse vector's rank is exact, and a data-dependent
        // break would be a mispredicted branch per query.
        for (int i = 0; i < _coarse.Length; i += w)
            blocks += Rank(ref coarse, i, x, orEqual);
        int start = blocks * w;
        if (start >= _values.Length) return _count;
        return Math.Min(_count, start + Rank(ref MemoryMarshal.GetReference(_values), start, x, orEqual));
    }

    /// <summary>How many of the Width values at <paramref name="offset"/> are &lt; (or ≤) x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Rank(ref T data, int offset, T x, bool orEqual)
    {
        if (Wide)
        {
            var v = Vector256.LoadUnsafe(ref data, (nuint)offset);
            var xv = Vector256.Create(x);
            var mask = orEqual ? Vector256.LessThanOrEqual(v, xv) : Vector256.LessThan(v, xv);
            return BitOperations.PopCount(mask.ExtractMostSignificantBits());
        }
        else
        {
            var v = Vector128.LoadUnsafe(ref data, (nuint)offset);
            var xv = Vector128.Create(x);
            var mask = orEqual ? Vector128.LessThanOrEqual(v, xv) : Vector128.LessThan(v, xv);
            return BitOperations.PopCount(mask.ExtractMostSignificantBits());
        }
    }
}
