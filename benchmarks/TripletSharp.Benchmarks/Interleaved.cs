using System.Diagnostics;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Times several variants interleaved (A, B, A, B, …) so that machine noise hits them alike and their ratio
/// is meaningful even when absolute times drift. Each run is one call of the body; the figure is the median.
/// </summary>
internal static class Interleaved
{
    /// <summary>
    /// Warm-up, then rounds over the variants. With <paramref name="probeMemory"/> the first timed run of each variant
    /// is also its memory measurement (<see cref="MemoryProbe"/>; the settling before it is not timed).
    /// </summary>
    public static void Run(IReadOnlyList<Variant> variants, TimingPlan plan, bool probeMemory = false)
    {
        for (int w = 0; w < plan.Warmup; w++)
            foreach (var v in variants)
                if (!v.SkipWarmup) Once(v, timed: false, probe: false);

        var clock = Stopwatch.StartNew();
        for (int round = 0; round < plan.MaxReps; round++)
        {
            bool any = false;
            foreach (var v in variants)
            {
                if (v.Failure is not null || (v.MaxReps is int cap && v.Samples.Count >= cap)) continue;
                Once(v, timed: true, probe: probeMemory && v.Samples.Count == 0);
                any = true;
            }
            if (!any) break;
            if (round + 1 >= plan.MinReps && clock.Elapsed.TotalSeconds >= plan.BudgetSeconds) break;
        }
    }

    /// <summary>Runs the body once; failures are recorded on the variant (<see cref="Failures.Describe"/>), not thrown.</summary>
    public static void Once(Variant v, bool timed, bool probe)
    {
        if (v.Failure is not null) return;
        double ms = 0;
        void Timed() => ms = CpuClock.Time(v.Body);
        try
        {
            if (probe) v.PeakBytes = MemoryProbe.PeakExtraBytes(Timed);
            else Timed();
        }
        catch (Exception e) when (Failures.IsExpected(e))
        {
            v.Failure = Failures.Describe(e);
            return;
        }
        if (timed) v.Samples.Add(ms);
    }
}
