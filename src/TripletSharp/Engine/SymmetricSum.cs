using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// V ← V + Vᵀ in place on a square CPU matrix. The closed-form gradient of a self-matrix needs V·x + Vᵀ·x; one pass
/// over V turns that into one product, (V + Vᵀ)·x, saving a B×B·B×D product.
/// </summary>
/// <remarks>
/// Works on 8×8 tile pairs (I, J) and (J, I), read and written together by one task; eight rows per tile keep the
/// strided accesses within a cache set's ways when B is a power of two. Every element is written once from one
/// (commutative) addition, so the result does not depend on the number of threads.
/// </remarks>
internal static class SymmetricSum
{
    private const int Tile = 8;

    /// <summary>Rows of tiles per parallel task.</summary>
    private const int TilesPerTask = 8;

    /// <summary>Whether <see cref="AddTransposeInPlace"/> can run on <paramref name="v"/> (square, CPU, contiguous, under 2 GiB).</summary>
    public static bool Applies(Tensor v) =>
        !EngineSwitches.TorchOnly && HostTensor.IsKernelReady(v) && v.dim() == 2 && v.shape[0] == v.shape[1]
        && v.NumberOfElements * v.ElementSize <= int.MaxValue;

    /// <summary>Replaces <paramref name="v"/> by V + Vᵀ.</summary>
    public static void AddTransposeInPlace(Tensor v)
    {
        if (v.dtype == ScalarType.Float32) Run<float>(v);
        else Run<double>(v);
    }

    private static void Run<T>(Tensor v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int b = (int)v.shape[0];
        int tiles = (b + Tile - 1) / Tile;
        int tasks = (tiles + TilesPerTask - 1) / TilesPerTask;
        bool simd = typeof(T) == typeof(float) && Avx.IsSupported;
        Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = HostTensor.Threads }, task =>
        {
            ref T s = ref MemoryMarshal.GetReference(HostTensor.Span<T>(v));
            int first = task * TilesPerTask, last = Math.Min(tiles, first + TilesPerTask);
            for (int ti = first; ti < last; ti++)
            {
                int i0 = ti * Tile;
                for (int tj = ti; tj < tiles; tj++)
                {
                    int j0 = tj * Tile;
                    if (simd && i0 + Tile <= b && j0 + Tile <= b)
                        TilePair(ref Unsafe.As<T, float>(ref s), b, i0, j0);
                    else
                        TilePairScalar(ref s, b, i0, j0, ti == tj);
                }
            }
        });
    }

    /// <summary>Scalar form for edge tiles and double: every pair (i, j) of the tiles once.</summary>
    private static void TilePairScalar<T>(ref T s, int b, int i0, int j0, bool diagonal) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i1 = Math.Min(b, i0 + Tile), j1 = Math.Min(b, j0 + Tile);
        for (int i = i0; i < i1; i++)
        {
            for (int j = diagonal ? i : j0; j < j1; j++)
            {
                ref T ij = ref Unsafe.Add(ref s, (nint)i * b + j);
                ref T ji = ref Unsafe.Add(ref s, (nint)j * b + i);
                T sum = ij + ji;
                ij = sum;
                ji = sum;
            }
        }
    }

    /// <summary>Full 8×8 tiles: A ← A + Bᵀ and B ← Aᵀ + B with two in-register transposes (A = B on the diagonal).</summary>
    private static void TilePair(ref float s, int b, int i0, int j0)
    {
        ref float a = ref Unsafe.Add(ref s, (nint)i0 * b + j0);
        ref float c = ref Unsafe.Add(ref s, (nint)j0 * b + i0);
        nuint stride = (nuint)b;
        var a0 = Vector256.LoadUnsafe(ref a, 0 * stride); var a1 = Vector256.LoadUnsafe(ref a, 1 * stride);
        var a2 = Vector256.LoadUnsafe(ref a, 2 * stride); var a3 = Vector256.LoadUnsafe(ref a, 3 * stride);
        var a4 = Vector256.LoadUnsafe(ref a, 4 * stride); var a5 = Vector256.LoadUnsafe(ref a, 5 * stride);
        var a6 = Vector256.LoadUnsafe(ref a, 6 * stride); var a7 = Vector256.LoadUnsafe(ref a, 7 * stride);
        var c0 = Vector256.LoadUnsafe(ref c, 0 * stride); var c1 = Vector256.LoadUnsafe(ref c, 1 * stride);
        var c2 = Vector256.LoadUnsafe(ref c, 2 * stride); var c3 = Vector256.LoadUnsafe(ref c, 3 * stride);
        var c4 = Vector256.LoadUnsafe(ref c, 4 * stride); var c5 = Vector256.LoadUnsafe(ref c, 5 * stride);
        var c6 = Vector256.LoadUnsafe(ref c, 6 * stride); var c7 = Vector256.LoadUnsafe(ref c, 7 * stride);
        Transpose(ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
        a0 += c0; a1 += c1; a2 += c2; a3 += c3; a4 += c4; a5 += c5; a6 += c6; a7 += c7;
        a0.StoreUnsafe(ref a, 0 * stride); a1.StoreUnsafe(ref a, 1 * stride); a2.StoreUnsafe(ref a, 2 * stride); a3.StoreUnsafe(ref a, 3 * stride);
        a4.StoreUnsafe(ref a, 4 * stride); a5.StoreUnsafe(ref a, 5 * stride); a6.StoreUnsafe(ref a, 6 * stride); a7.StoreUnsafe(ref a, 7 * stride);
        if (i0 == j0) return;
        Transpose(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
        a0.StoreUnsafe(ref c, 0 * stride); a1.StoreUnsafe(ref c, 1 * stride); a2.StoreUnsafe(ref c, 2 * stride); a3.StoreUnsafe(ref c, 3 * stride);
        a4.StoreUnsafe(ref c, 4 * stride); a5.StoreUnsafe(ref c, 5 * stride); a6.StoreUnsafe(ref c, 6 * stride); a7.StoreUnsafe(ref c, 7 * stride);
    }

    /// <summary>In-register 8×8 float transpose (unpack, shuffle, 128-bit permute).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(u0, u4, 0x20); r1 = Avx.Permute2x128(u1, u5, 0x20);
        r2 = Avx.Permute2x128(u2, u6, 0x20); r3 = Avx.Permute2x128(u3, u7, 0x20);
        r4 = Avx.Permute2x128(u0, u4, 0x31); r5 = Avx.Permute2x128(u1, u5, 0x31);
        r6 = Avx.Permute2x128(u2, u6, 0x31); r7 = Avx.Permute2x128(u3, u7, 0x31);
    }
}
