using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Peak extra resident memory of one call, for CPU runs on Linux.
/// Method: collect the .NET heap (aggressively, so its free regions are decommitted), return freed malloc memory to the OS (glibc <c>malloc_trim</c>), reset the
/// kernel's peak-RSS counter (write "5" to <c>/proc/self/clear_refs</c>), read VmRSS as the baseline, run the
/// call once, read VmHWM. Peak extra = VmHWM − baseline. The kernel tracks the peak itself, so short spikes
/// are not missed. Where clear_refs is refused, a background thread samples VmRSS every millisecond instead
/// (may miss spikes shorter than that).
/// </summary>
internal static partial class MemoryProbe
{
    private static bool? _canResetPeak;

    /// <summary>How the peak is measured, for the report.</summary>
    public static string Method => CanResetPeak
        ? "peak RSS: VmHWM after malloc_trim + reset via /proc/self/clear_refs, minus VmRSS just before the call"
        : "peak RSS: VmRSS sampled every 1 ms by a background thread, minus VmRSS just before the call";

    /// <summary>Current resident set size in bytes (0 where /proc is unavailable).</summary>
    public static long CurrentRss() => ReadStatus("VmRSS");

    /// <summary>Runs <paramref name="action"/> once and returns its peak extra resident memory in bytes.</summary>
    public static long PeakExtraBytes(Action action)
    {
        Settle();
        long baseline = CurrentRss();
        if (CanResetPeak)
        {
            ResetPeak();
            baseline = CurrentRss();
            action();
            return Math.Max(0, ReadStatus("VmHWM") - baseline);
        }

        long peak = baseline;
        using var stop = new ManualResetEventSlim(false);
        var sampler = new Thread(() =>
        {
            while (!stop.IsSet)
            {
                long r = CurrentRss();
                if (r > Interlocked.Read(ref peak)) Interlocked.Exchange(ref peak, r);
                Thread.Sleep(1);
            }
        }) { IsBackground = true };
        sampler.Start();
        try { action(); }
        finally { stop.Set(); sampler.Join(); }
        peak = Math.Max(peak, CurrentRss());
        return Math.Max(0, peak - baseline);
    }

    /// <summary>Collects the managed heap and hands freed native heap memory back to the OS.</summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Aggressive also decommits the GC's free regions, which it otherwise keeps (tens of MiB) for reuse.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        try { if (OperatingSystem.IsLinux()) MallocTrim(UIntPtr.Zero); }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }

    private static bool CanResetPeak
    {
        get
        {
            if (_canResetPeak is null)
            {
                try { ResetPeak(); _canResetPeak = ReadStatus("VmHWM") > 0; }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { _canResetPeak = false; }
            }
            return _canResetPeak.Value;
        }
    }

    private static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static long ReadStatus(string field)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
                var m = KiloBytes().Match(line);
                return m.Success ? long.Parse(m.Groups[1].Value) * 1024 : 0;
            }
        }
        catch (IOException) { }
        return 0;
    }

    [GeneratedRegex(@"(\d+)\s*kB")]
    private static partial Regex KiloBytes();

    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(UIntPtr pad);
}
