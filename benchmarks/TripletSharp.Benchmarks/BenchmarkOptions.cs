using System.Globalization;

namespace TripletSharp.Benchmarks;

/// <summary>Command-line options of the benchmark app.</summary>
internal sealed class BenchmarkOptions
{
    public const string Usage =
        """
        TripletSharp benchmarks.

        Usage: dotnet run -c Release --project benchmarks/TripletSharp.Benchmarks -- [options]

          --suite loss|kernels|train|knn|export|search|serve|backbones|backbone-train|report|all
                               suite to run (default all)
          --quick                      smaller sizes and fewer repetitions (whole run < 3 min)
          --json                       one JSON object per line on stdout (progress goes to stderr)
          --threads N                  torch intra-op threads (default: all cores)
          --clock wall|cpu             time runs by wall clock (default) or by the process's CPU time
                                       (with --threads 1: comparable on a machine shared with other work)
        Development knobs (defaults depend on --quick):
          --batches 128,1024           loss suite batch sizes
          --miners semihard,hard       loss suite miners (batch-all, batch-hard, semihard,
                                       facenet-semihard, hard, distance-weighted, random)
          --naive-mem-gib X            memory budget of the naive B×B×B baseline (default 8)
          --naive-time-s X             time budget of one naive run, extrapolated as B³ (default 60, quick 30)
          --steps N                    train suite: steps of the memory-flatness run (default 1000, quick 200)
          --knn-n N                    knn suite: queries = gallery size (default 60000, quick 20000)
          --knn-block N                knn suite: queries per block (default 1024)
          --search-n N                 search suite: index size (default 1000000, quick 50000)
          --serve-n N                  serve suite: index size (default 20000, quick 5000)
          --serve-seconds S            serve suite: seconds per load run (default 10, quick 3)
          --search-connectivity N      search suite: HNSW connectivity (default: the library's)
          --search-expansion-add N     search suite: HNSW expansion-add (default: the library's)
          --search-ef 32,64,128        search suite: expansion-search values swept (default 16,32,64,128,256,512)
          --search-model M             search suite: instead of synthetic vectors, index the test split of
          --search-data D              D embedded by the saved model M (queries: D's first training items)
          --search-fitted              with --search-model/--search-data: a gallery of --search-n vectors drawn
                                       from the class Gaussians of M's embeddings of D's training split
                                       (queries: D's first test items)
          --report-n 2000,10000        report suite: test points (default 2000,10000, quick 2000)
          --report-variants bh,auto    report suite: variants, interleaved A B … B A (bh, fft, direct, auto, sklearn, bh-exact)
          -h, --help                   this text
        """;

    public string Suite { get; private set; } = "all";
    public bool Quick { get; private set; }
    public bool Json { get; private set; }
    public int? Threads { get; private set; }

    /// <summary>Time runs by the process's CPU time instead of the wall clock (<c>--clock cpu</c>).</summary>
    public bool CpuClock { get; private set; }
    public int[]? Batches { get; private set; }
    public string[]? Miners { get; private set; }
    public double NaiveMemoryGiB { get; private set; } = 8;
    public double? NaiveTimeSeconds { get; private set; }
    public int? Steps { get; private set; }
    public int? KnnN { get; private set; }

    public int? SearchN { get; private set; }
    public int? ServeN { get; private set; }
    public double? ServeSeconds { get; private set; }
    public int? SearchConnectivity { get; private set; }
    public int? SearchExpansionAdd { get; private set; }
    public int[]? SearchEf { get; private set; }
    public string? SearchModel { get; private set; }

    /// <summary>Search suite: draw the gallery from the class Gaussians of the model's embeddings.</summary>
    public bool SearchFitted { get; private set; }
    public string? SearchData { get; private set; }
    public int KnnBlock { get; private set; } = 1024;

    /// <summary>Report suite: numbers of test points.</summary>
    public int[]? ReportN { get; private set; }

    /// <summary>Report suite: variants compared (bh, fft, direct, auto, sklearn, bh-exact).</summary>
    public string[]? ReportVariants { get; private set; }
    public bool Help { get; private set; }

    public bool Runs(string suite) => Suite == "all" || Suite == suite;

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public static BenchmarkOptions Parse(string[] args)
    {
        var o = new BenchmarkOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Value()
            {
                if (i + 1 >= args.Length) throw new ArgumentException($"Option '{a}' needs a value.");
                return args[++i];
            }
            switch (a)
            {
                case "--suite":
                    o.Suite = Value().ToLowerInvariant();
                    if (o.Suite is not ("loss" or "kernels" or "train" or "knn" or "export" or "search" or "serve" or "backbones" or "backbone-train" or "report" or "all"))
                        throw new ArgumentException($"--suite must be loss, kernels, train, knn, export, search, serve, backbones, backbone-train, report or all, got '{o.Suite}'.");
                    break;
                case "--quick": o.Quick = true; break;
                case "--json": o.Json = true; break;
                case "--threads": o.Threads = PositiveInt(a, Value()); break;
                case "--clock":
                    o.CpuClock = Value().ToLowerInvariant() switch
                    {
                        "wall" => false,
                        "cpu" => true,
                        var c => throw new ArgumentException($"--clock must be wall or cpu, got '{c}'."),
                    };
                    break;
                case "--batches": o.Batches = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => PositiveInt(a, s)).ToArray(); break;
                case "--miners": o.Miners = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim().ToLowerInvariant()).ToArray(); break;
                case "--naive-mem-gib": o.NaiveMemoryGiB = PositiveDouble(a, Value()); break;
                case "--naive-time-s": o.NaiveTimeSeconds = PositiveDouble(a, Value()); break;
                case "--steps": o.Steps = PositiveInt(a, Value()); break;
                case "--knn-n": o.KnnN = PositiveInt(a, Value()); break;
                case "--search-n": o.SearchN = PositiveInt(a, Value()); break;
                case "--serve-n": o.ServeN = PositiveInt(a, Value()); break;
                case "--serve-seconds": o.ServeSeconds = PositiveDouble(a, Value()); break;
                case "--search-connectivity": o.SearchConnectivity = PositiveInt(a, Value()); break;
                case "--search-expansion-add": o.SearchExpansionAdd = PositiveInt(a, Value()); break;
                case "--search-model": o.SearchModel = Value(); break;
                case "--search-fitted": o.SearchFitted = true; break;
                case "--search-data": o.SearchData = Value(); break;
                case "--search-ef": o.SearchEf = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => PositiveInt(a, s)).ToArray(); break;
                case "--knn-block": o.KnnBlock = PositiveInt(a, Value()); break;
                case "--report-n": o.ReportN = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => PositiveInt(a, s)).ToArray(); break;
                case "--report-variants": o.ReportVariants = ReportSuite.ParseVariants(a, Value()); break;
                case "-h" or "--help": o.Help = true; break;
                default: throw new ArgumentException($"Unknown option '{a}'. Use --help.");
            }
        }
        return o;
    }

    private static int PositiveInt(string option, string s)
    {
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v <= 0)
            throw new ArgumentException($"{option} needs a positive integer, got '{s}'.");
        return v;
    }

    private static double PositiveDouble(string option, string s)
    {
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v > 0) || double.IsInfinity(v))
            throw new ArgumentException($"{option} needs a positive number, got '{s}'.");
        return v;
    }
}
