using System.Globalization;

namespace TripletSharp;

/// <summary>
/// How long libtorch's OpenMP workers spin after a parallel operation before they sleep: a process-wide setting that
/// only takes effect if made before libtorch is loaded (the first tensor), so applications call it first thing in
/// <c>Main</c>; the <c>triplet</c> tool does.
/// </summary>
/// <remarks>
/// On Linux, libtorch's OpenMP runtime (libgomp) keeps each worker spinning for <c>GOMP_SPINCOUNT</c> iterations
/// (300,000 by default) after every parallel operation. TripletSharp's loss kernels and the .NET work between torch
/// operations then compete with spinning workers for the same cores. With 10,000, measured on 2 cores
/// (BENCHMARKS.md, "loss, session 7"): the default <c>triplet train</c> 47–49 s instead of 52 s with the same
/// metrics, the miner + loss step at B = 1,024 about 20 % faster against an unchanged distance-matrix floor.
/// Results do not change: only how workers wait.
/// </remarks>
public static class OpenMpWaiting
{
    /// <summary>The spin count <see cref="ShortenSpin"/> sets by default.</summary>
    public const int DefaultSpinCount = 10_000;

    /// <summary>
    /// Sets <c>GOMP_SPINCOUNT</c> for this process to <paramref name="spinCount"/>, unless the environment already sets
    /// <c>GOMP_SPINCOUNT</c> or <c>OMP_WAIT_POLICY</c> (the user's choice wins), the system is not Linux, or libgomp is
    /// already loaded (too late to matter).
    /// </summary>
    /// <param name="spinCount">Spins before a worker sleeps (≥ 0).</param>
    /// <returns>Whether the variable was set.</returns>
    public static bool ShortenSpin(int spinCount = DefaultSpinCount)
    {
        Guard.NonNegative(spinCount, nameof(spinCount));
        if (!OperatingSystem.IsLinux()) return false;
        if (Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null)
            return false;
        if (RuntimeLoaded()) return false;
        // The native environment is what libgomp reads when it loads.
        return NativeEnvironment.SetDefault("GOMP_SPINCOUNT", spinCount.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Whether an OpenMP runtime (libgomp) is mapped into this process already.</summary>
    internal static bool RuntimeLoaded()
    {
        try
        {
            return File.ReadLines("/proc/self/maps").Any(l => l.Contains("libgomp", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }
}
