using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace TripletSharp.Reporting;

/// <summary>
/// Collects how long each part of a report takes (<see cref="RunReport.Write"/> fills it in when given one), so the
/// report's cost can be measured part by part and re-measured on another machine (<c>triplet report --timing</c>).
/// </summary>
public sealed class ReportTimings
{
    private readonly List<ReportTiming> parts = [];

    /// <summary>The parts in the order they ran; a part measured twice appears twice.</summary>
    public IReadOnlyList<ReportTiming> Parts => parts;

    /// <summary>KL(P‖Q) of the t-SNE map (sparse P of the Barnes–Hut method, exact normaliser); null when no map was computed.</summary>
    public double? TsneKlDivergence { get; internal set; }

    /// <summary>Wall-clock seconds of all parts together.</summary>
    public double TotalSeconds => parts.Sum(p => p.Seconds);

    /// <summary>Seconds of <paramref name="part"/> (summed when measured more than once; 0 when never).</summary>
    public double Seconds(string part) => parts.Where(p => p.Part == part).Sum(p => p.Seconds);

    /// <summary>Runs <paramref name="work"/> and records its time under <paramref name="part"/>.</summary>
    public T Measure<T>(string part, Func<T> work)
    {
        Guard.NotNull(part, nameof(part));
        Guard.NotNull(work, nameof(work));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var result = work();
        watch.Stop();
        var cpuSpent = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        parts.Add(new ReportTiming(part, watch.Elapsed.TotalSeconds, cpuSpent.TotalSeconds));
        return result;
    }

    /// <summary>Runs <paramref name="work"/> and records its time under <paramref name="part"/>.</summary>
    public void Measure(string part, Action work)
    {
        Guard.NotNull(work, nameof(work));
        Measure(part, () => { work(); return 0; });
    }

    /// <summary>One line per part and a total: part, wall seconds, processor seconds.</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine("part        wall_s   cpu_s");
        foreach (var p in parts)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{p.Part,-10} {p.Seconds,7:0.000} {p.CpuSeconds,7:0.000}"));
        sb.Append(string.Create(CultureInfo.InvariantCulture, $"{"total",-10} {TotalSeconds,7:0.000} {parts.Sum(p => p.CpuSeconds),7:0.000}"));
        return sb.ToString();
    }
}
