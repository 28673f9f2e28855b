using System.Runtime.InteropServices;

namespace TripletSharp;

/// <summary>
/// Lets glibc's allocator keep freed native memory for reuse instead of handing it back to the system after every
/// tensor: a process-wide setting for libtorch's CPU tensors, made once, first thing in <c>Main</c>; the <c>triplet</c>
/// tool does.
/// </summary>
/// <remarks>
/// By default glibc serves each allocation above a threshold (128 KiB, adjusted upward as blocks are freed, at most
/// 32 MiB) with a fresh memory map and returns freed memory at the top of the heap once it exceeds twice that, so a
/// step's large activations and gradients are mapped, zero-filled page by page on first touch and unmapped again on
/// every step. On a virtual machine a page fault is expensive: measured on 2 cores (BENCHMARKS.md, session 8)
/// <c>triplet report</c>'s embedding pass took 1.2–1.5 s instead of 0.37 s. With the map threshold fixed at 32 MiB
/// and the trim threshold at 1 GiB, blocks up to 32 MiB come from the heap and freed ones stay there; the process
/// holds up to that much more memory (about +45 MB for the report). Results do not change, only where memory comes from.
/// </remarks>
public static class NativeMemoryReuse
{
    /// <summary>Blocks at or below this size come from the heap (glibc's largest allowed map threshold on 64-bit).</summary>
    public const int MapThresholdBytes = 32 * 1024 * 1024;

    /// <summary>Free memory the heap keeps before returning its top to the system.</summary>
    public const int TrimThresholdBytes = 1024 * 1024 * 1024;

    private const int MallocTrimThreshold = -1, MallocMmapThreshold = -3; // glibc's M_TRIM_THRESHOLD, M_MMAP_THRESHOLD

    /// <summary>
    /// Sets glibc's map and trim thresholds (<see cref="MapThresholdBytes"/>, <see cref="TrimThresholdBytes"/>), unless
    /// the environment already tunes glibc's allocator (<c>GLIBC_TUNABLES</c> naming <c>glibc.malloc</c>, or
    /// <c>MALLOC_MMAP_THRESHOLD_</c>/<c>MALLOC_TRIM_THRESHOLD_</c>: the user's choice wins) or the system is not Linux
    /// with glibc.
    /// </summary>
    /// <returns>Whether both thresholds were set.</returns>
    public static bool KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return false;
        if ((Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "").Contains("glibc.malloc", StringComparison.Ordinal)
            || Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null
            || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null)
            return false;
        try
        {
            return MallOpt(MallocMmapThreshold, MapThresholdBytes) == 1 && MallOpt(MallocTrimThreshold, TrimThresholdBytes) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false; // not glibc
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);
}
