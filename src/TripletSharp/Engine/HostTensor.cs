using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>Direct access to the memory of contiguous CPU tensors, for the hand-written kernels.</summary>
internal static class HostTensor
{
    /// <summary>Whether a kernel can read <paramref name="t"/> in place: CPU, contiguous, float32 or float64.</summary>
    public static bool IsKernelReady(Tensor t) =>
        t.device_type == TorchSharp.DeviceType.CPU && t.is_contiguous() && (t.dtype == ScalarType.Float32 || t.dtype == ScalarType.Float64);

    /// <summary>The elements of a contiguous CPU tensor view, without copying (the storage must outlive the span).</summary>
    public static Span<T> Span<T>(Tensor view) where T : unmanaged => MemoryMarshal.Cast<byte, T>(view.bytes);

    /// <summary>Rows per block so that one block of a B-column matrix stays well under the 2 GiB span limit.</summary>
    public static long RowsPerSpan(long columns, int elementSize) => Math.Max(1, (1L << 28) / Math.Max(1, columns * elementSize));

    /// <summary>The first four of <paramref name="values"/> (float or double) as float64 lanes, exactly (widening is exact).</summary>
    public static Vector256<double> Widen4<T>(ReadOnlySpan<T> values) where T : unmanaged =>
        typeof(T) == typeof(float)
            ? Vector256.WidenLower(Vector128.Create(MemoryMarshal.Cast<T, float>(values)).ToVector256Unsafe())
            : Vector256.Create(MemoryMarshal.Cast<T, double>(values));

    /// <summary>The degree of parallelism TorchSharp is configured with (callers set it with torch.set_num_threads).</summary>
    public static int Threads => Math.Max(1, TorchSharp.torch.get_num_threads());
}
