using System.Diagnostics;
using System.Runtime.InteropServices;

namespace TripletSharp.Benchmarks;

/// <summary>
/// What <see cref="Interleaved"/> times a run with: wall-clock time (the default), or, with <c>--clock cpu</c>, the
/// CPU time of the whole process (all threads, nanosecond resolution) — on a machine shared with other work this
/// counts only our own work, so with <c>--threads 1</c> it stays comparable under load.
/// </summary>
internal static class CpuClock
{
    private const int ProcessCpuTime = 2; // CLOCK_PROCESS_CPUTIME_ID

    /// <summary>Whether runs are timed in process CPU time instead of wall time.</summary>
    public static bool Enabled { get; set; }

    /// <summary>Milliseconds of the chosen clock spent in <paramref name="body"/>.</summary>
    public static double Time(Action body)
    {
        if (!Enabled)
        {
            var sw = Stopwatch.StartNew();
            body();
            return sw.Elapsed.TotalMilliseconds;
        }
        double start = Now();
        body();
        return Now() - start;
    }

    /// <summary>
    /// The chosen clock now, in milliseconds from an arbitrary origin: differences time a stretch of code that is not a
    /// single call (the phases of one training step).
    /// </summary>
    public static double NowMs() => Enabled ? Now() : Stopwatch.GetTimestamp() * 1e3 / Stopwatch.Frequency;

    /// <summary>The chosen clock's name, for the tables' notes.</summary>
    public static string Name => Enabled ? "process CPU time" : "wall clock";

    private static double Now()
    {
        if (clock_gettime(ProcessCpuTime, out var ts) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed.");
        return ts.Seconds * 1e3 + ts.Nanoseconds / 1e6;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int clock_gettime(int clock, out TimeSpec time);
}
