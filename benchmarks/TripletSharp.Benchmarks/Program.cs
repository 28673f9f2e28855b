using System.Diagnostics;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project benchmarks/TripletSharp.Benchmarks -- [--suite loss|train|knn|export|search|serve|backbones|backbone-train|report|all] [--quick] [--json] [--threads N]</c>.</summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        // As the triplet tool does, before libtorch loads; the machine block says which setting was in effect.
        MachineInfo.OpenMpSpin = OpenMpWaiting.ShortenSpin()
            ? $"GOMP_SPINCOUNT={OpenMpWaiting.DefaultSpinCount} (OpenMpWaiting.ShortenSpin)"
            : Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { } policy ? $"OMP_WAIT_POLICY={policy} (environment)"
            : Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is { } spin ? $"GOMP_SPINCOUNT={spin} (environment)"
            : "libgomp default";
        BenchmarkOptions options;
        try { options = BenchmarkOptions.Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        if (options.Help)
        {
            Console.WriteLine(BenchmarkOptions.Usage);
            return 0;
        }

        try { set_num_threads(options.Threads ?? Environment.ProcessorCount); }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or System.Runtime.InteropServices.ExternalException)
        {
            Console.Error.WriteLine($"TorchSharp could not load its native library ({e.GetBaseException().Message.Split('\n')[0]}); build the solution with `dotnet build -c Release` so the patched libLibTorchSharp.so is in the output folder.");
            return 3;
        }

        CpuClock.Enabled = options.CpuClock;
        var reporter = new Reporter(options.Json);
        var clock = Stopwatch.StartNew();
        string command = "dotnet run -c Release --project benchmarks/TripletSharp.Benchmarks --" + (args.Length > 0 ? " " + string.Join(' ', args) : "");
        var machine = MachineInfo.Describe(command);
        if (options.Json) reporter.Write(machine);
        else
        {
            Console.WriteLine("# TripletSharp benchmarks");
            Console.WriteLine();
            foreach (var (k, v) in machine.Items.Skip(1)) Console.WriteLine($"- {k}: {Reporter.Format(v, "0.##")}");
        }

        bool failed = false;
        if (options.Runs("loss"))
        {
            var suite = new LossSuite(options, reporter);
            suite.Run();
            failed |= suite.CheckFailed;
        }
        if (options.Suite == "kernels") new KernelSuite(options, reporter).Run();
        if (options.Runs("train")) new TrainSuite(options, reporter).Run();
        if (options.Runs("knn"))
        {
            var suite = new KnnSuite(options, reporter);
            suite.Run();
            failed |= suite.CheckFailed;
        }
        if (options.Runs("export"))
        {
            var suite = new ExportSuite(options, reporter);
            suite.Run();
            failed |= suite.CheckFailed;
        }
        if (options.Runs("search")) new SearchSuite(options, reporter).Run();
        if (options.Runs("serve")) new ServeSuite(options, reporter).Run();
        if (options.Runs("backbones")) new BackboneSuite(options, reporter).Run();
        if (options.Suite == "backbone-train") new BackboneSuite(options, reporter).RunTrainingPrecision();
        if (options.Runs("report")) new ReportSuite(options, reporter).Run();

        Targets.Report(reporter, options);
        var done = new Row("summary").Set("elapsed_s", Math.Round(clock.Elapsed.TotalSeconds, 1)).Set("checks_passed", !failed);
        if (options.Json) reporter.Write(done);
        else Console.WriteLine($"\nTotal time {clock.Elapsed.TotalSeconds:0} s. {(failed ? "A correctness check FAILED (see 'check' columns)." : "All correctness checks that could run passed.")}");
        return failed ? 1 : 0;
    }
}
