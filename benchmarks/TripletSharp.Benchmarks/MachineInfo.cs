using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>What the numbers were measured on.</summary>
internal static class MachineInfo
{
    /// <summary>What libgomp's workers were told about spinning (set by <see cref="Program.Main"/> before libtorch loads).</summary>
    public static string OpenMpSpin { get; set; } = "libgomp default";

    public static Row Describe(string command)
    {
        var row = new Row("machine")
            .Set("cpu", CpuModel())
            .Set("logical_cpus", Environment.ProcessorCount)
            .Set("torch_threads", get_num_threads())
            .Set("torch_interop_threads", get_num_interop_threads())
            .Set("openmp_spin", OpenMpSpin)
            .Set("memory_gib", Math.Round(MemTotalBytes() / 1073741824.0, 1))
            .Set("load_avg_1m", LoadAverage())
            .Set("os", RuntimeInformation.OSDescription)
            .Set("dotnet", RuntimeInformation.FrameworkDescription)
            .Set("torchsharp", typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString())
            .Set("memory_method", MemoryProbe.Method)
            .Set("command", command)
            .Set("started_utc", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss"));
        return row;
    }

    public static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>1-minute load average: a busy machine makes absolute times unreliable (ratios stay usable).</summary>
    public static double LoadAverage()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or FormatException) { return double.NaN; }
    }

    private static long MemTotalBytes()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is not null) return long.Parse(new string(line.Where(char.IsDigit).ToArray())) * 1024;
        }
        catch (IOException) { }
        return 0;
    }
}
