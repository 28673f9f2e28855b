using System.Diagnostics;
using TripletSharp.Distances;
using TripletSharp.Losses;
using TripletSharp.Mining;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Suite <c>loss</c>: each miner + <see cref="TripletMarginLoss"/>, forward and backward, against the floor (the
/// distance matrix of the same batch, forward and backward) and, for batch-all and margin-band semi-hard, against
/// the naive B×B×B implementation (<see cref="NaiveTripletLoss"/>); all interleaved in one process run.
/// </summary>
internal sealed class LossSuite
{
    public const int Dim = 128;
    public const int Classes = 16;
    public const double Margin = 0.2;
    public const double Tolerance = 1e-4;

    public static readonly int[] FullBatches = { 128, 256, 512, 1024, 2048, 4096, 8192 };
    public static readonly int[] QuickBatches = { 128, 1024, 2048 };

    /// <summary>The miners, by the names used in rows and on the command line.</summary>
    public static readonly (string Name, Func<BaseMiner> Create)[] AllMiners =
    {
        ("batch-all", () => new BatchAllMiner()),
        ("batch-hard", () => new BatchHardMiner()),
        ("semihard", () => new SemiHardMiner(margin: Margin)),
        ("facenet-semihard", () => new FaceNetSemiHardMiner()),
        ("hard", () => new HardNegativeMiner()),
        ("distance-weighted", () => new DistanceWeightedMiner(seed: 0)),
        ("random", () => new RandomTripletMiner(tripletsPerAnchor: 1, seed: 0)),
    };

    private readonly BenchmarkOptions _options;
    private readonly Reporter _reporter;
    private readonly TimingPlan _plan;
    private readonly double _naiveTimeBudget;
    private readonly Dictionary<string, (int Batch, double Ms)> _lastNaive = new();
    private readonly Dictionary<string, double> _naiveCalibration = new();
    public bool CheckFailed { get; private set; }

    public LossSuite(BenchmarkOptions options, Reporter reporter)
    {
        _options = options;
        _reporter = reporter;
        _plan = options.Quick ? new TimingPlan(Warmup: 1, MinReps: 3, MaxReps: 15, BudgetSeconds: 1.0)
                              : new TimingPlan(Warmup: 1, MinReps: 5, MaxReps: 40, BudgetSeconds: 5.0);
        _naiveTimeBudget = options.NaiveTimeSeconds ?? (options.Quick ? 30 : 60);
    }

    public void Run()
    {
        int[] batches = _options.Batches ?? (_options.Quick ? QuickBatches : FullBatches);
        var miners = AllMiners.Where(m => _options.Miners is null || _options.Miners.Contains(m.Name)).ToArray();
        if (miners.Length == 0) throw new ArgumentException($"--miners matched none of: {string.Join(", ", AllMiners.Select(m => m.Name))}.");

        _reporter.BeginTable($"loss: miner + TripletMarginLoss, forward+backward, D={Dim}, {Classes} classes, margin {Margin}",
            new Column("miner", "miner", Width: 17, Left: true),
            new Column("batch", "B", Width: 5),
            new Column("median_ms", "ours ms", "0.00"),
            new Column("floor_ms", "floor ms", "0.00"),
            new Column("ratio_to_floor", "ratio", "0.00"),
            new Column("naive_ms", "naive ms", "0.0", Width: 22, Select: r => r.Get("naive_ms") ?? r.Get("naive_status")),
            new Column("speedup_vs_naive", "speedup", "0.0"),
            new Column("peak_mib", "peak MiB", "0.0"),
            new Column("floor_peak_mib", "floor MiB", "0.0"),
            new Column("naive_peak_mib", "naive MiB", "0.0"),
            new Column("reps", "reps", Width: 4),
            new Column("check", "check", Width: 12, Select: r => r.Get("status") is string s && s != "ok" ? s : r.Get("check"), Left: true));

        string? selfCheck = SelfChecks.NaiveLoss();
        if (selfCheck is not null)
        {
            CheckFailed = true;
            _reporter.Note($"SELF-CHECK FAILED: {selfCheck}");
        }

        foreach (int b in batches)
            foreach (var (name, create) in miners)
                RunConfig(b, name, create());
        _reporter.Note($"floor: {FloorDescription}. ratio = ours/floor; speedup = naive/ours; peak = {MemoryProbe.Method}.");
    }

    private string FloorDescription { get; set; } = "EuclideanDistance.Compute(x).sum().backward()";

    private void RunConfig(int batch, string minerName, BaseMiner miner)
    {
        Reporter.Progress($"loss B={batch} {minerName}");
        MemoryProbe.Settle();
        using var x = SyntheticData.NormalizedEmbeddings(batch, Dim, seed: batch);
        using var labels = SyntheticData.BalancedLabels(batch, Classes, seed: batch + 1);
        long[] labelArray = labels.data<long>().ToArray();
        var loss = new TripletMarginLoss(margin: Margin);
        var distance = loss.Distance;

        var row = new Row("loss").Set("miner", minerName).Set("batch", batch).Set("dim", Dim);

        // Check run (also the naive's warm-up): ours and the naive must agree before anything is timed.
        double oursValue = double.NaN;
        string status = "ok";
        long triplets = -1;
        try
        {
            using var scope = NewDisposeScope();
            var xi = x.detach().requires_grad_(true);
            using var mined = miner.Mine(xi, labels);
            triplets = mined.Stats.TripletCount;
            var l = loss.Compute(xi, labels, mined);
            l.backward();
            oursValue = l.item<float>();
        }
        catch (Exception e) when (Failures.IsExpected(e)) { status = Failures.Describe(e); }
        row.Set("status", status).Set("loss", oursValue).Set("triplets", triplets >= 0 ? triplets : null);

        Func<Tensor, Tensor, double, Tensor>? naive = minerName switch
        {
            "batch-all" => NaiveTripletLoss.BatchAll,
            "semihard" => NaiveTripletLoss.SemiHard,
            _ => null,
        };
        Variant? naiveVariant = null;
        if (naive is not null)
        {
            string? refusal = NaiveRefusal(minerName, batch, labelArray);
            if (refusal is not null)
            {
                row.Set("naive_status", refusal);
            }
            else
            {
                double naiveValue = double.NaN;
                var sw = Stopwatch.StartNew();
                string? naiveFailure = null;
                try
                {
                    using var scope = NewDisposeScope();
                    var xi = x.detach().requires_grad_(true);
                    var l = naive(xi, labels, Margin);
                    l.backward();
                    naiveValue = l.item<float>();
                }
                catch (Exception e) when (Failures.IsExpected(e)) { naiveFailure = Failures.Describe(e); }
                double checkMs = sw.Elapsed.TotalMilliseconds;
                if (naiveFailure is not null)
                {
                    row.Set("naive_status", naiveFailure);
                }
                else
                {
                    row.Set("naive_loss", naiveValue);
                    int reps = Math.Clamp((int)(_naiveTimeBudget * 1000 / Math.Max(checkMs, 1)) - 1, 2, _options.Quick ? 2 : _plan.MinReps);
                    naiveVariant = new Variant("naive", () =>
                    {
                        using var scope = NewDisposeScope();
                        var xi = x.detach().requires_grad_(true);
                        naive(xi, labels, Margin).backward();
                    }, maxReps: reps) { SkipWarmup = true };
                    if (status == "ok")
                    {
                        double rel = Math.Abs(oursValue - naiveValue) / Math.Max(Math.Abs(naiveValue), 1e-12);
                        bool ok = rel <= Tolerance || Math.Abs(oursValue - naiveValue) <= 1e-7;
                        row.Set("check", ok ? "ok" : "MISMATCH").Set("check_rel_diff", rel);
                        if (!ok)
                        {
                            CheckFailed = true;
                            status = $"MISMATCH ours {oursValue:G7} vs naive {naiveValue:G7}";
                            row.Set("status", status);
                        }
                    }
                }
            }
        }
        if (row.Get("check") is null) row.Set("check", naive is null ? "–" : "n/a");

        var floor = new Variant("floor", () =>
        {
            using var scope = NewDisposeScope();
            var xi = x.detach().requires_grad_(true);
            FloorMatrix(distance, xi).sum().backward();
        });
        var ours = new Variant("ours", () =>
        {
            using var scope = NewDisposeScope();
            var xi = x.detach().requires_grad_(true);
            using var mined = miner.Mine(xi, labels);
            loss.Compute(xi, labels, mined).backward();
        });
        if (status != "ok") ours.Failure = status; // not timed: not implemented, failed, or wrong

        // Two interleaved measurements, each ratio from its own pair: ours vs floor, then ours vs naive. Mixed into one
        // loop, every seconds-long naive run (gigabytes of B³ mask) would leave ours and the floor only a few cold samples.
        Interleaved.Run(new List<Variant> { ours, floor }, _plan, probeMemory: true);
        var oursBesideNaive = new Variant("ours", ours.Body) { SkipWarmup = true };
        if (ours.Failure is not null) oursBesideNaive.Failure = ours.Failure;
        if (naiveVariant is not null)
        {
            oursBesideNaive.MaxReps = naiveVariant.MaxReps;
            Interleaved.Run(new List<Variant> { oursBesideNaive, naiveVariant }, _plan with { Warmup = 0 }, probeMemory: true);
        }

        if (ours.Failure is not null && status == "ok") row.Set("status", ours.Failure);
        row.Set("median_ms", ours.MedianMs)
           .Set("floor_ms", floor.MedianMs)
           .Set("ratio_to_floor", Stats.Ratio(ours.MedianMs, floor.MedianMs));
        if (naiveVariant is not null)
        {
            if (naiveVariant.Failure is not null) row.Set("naive_status", naiveVariant.Failure);
            else
            {
                row.Set("naive_ms", naiveVariant.MedianMs).Set("naive_status", "ok")
                   .Set("ours_beside_naive_ms", oursBesideNaive.MedianMs)
                   .Set("speedup_vs_naive", Stats.Ratio(naiveVariant.MedianMs, oursBesideNaive.MedianMs));
                _lastNaive[minerName] = (batch, naiveVariant.MedianMs);
                if (naiveVariant.PeakBytes is long nb)
                {
                    double est = NaiveTripletLoss.EstimatedBytes(batch, SyntheticData.ValidTripletCount(labelArray));
                    _naiveCalibration[minerName] = Math.Max(_naiveCalibration.GetValueOrDefault(minerName, 1.0), nb / est);
                }
            }
        }
        row.Set("peak_mib", ours.PeakBytes is long pb ? Stats.Mib(pb) : null)
           .Set("floor_peak_mib", floor.PeakBytes is long fb ? Stats.Mib(fb) : null)
           .Set("naive_peak_mib", naiveVariant?.PeakBytes is long nb2 ? Stats.Mib(nb2) : null)
           .Set("reps", ours.Samples.Count > 0 ? ours.Samples.Count : floor.Samples.Count)
           .Set("naive_reps", naiveVariant?.Samples.Count)
           .Set("floor_kind", FloorDescription)
           .Set("load_avg_1m", MachineInfo.LoadAverage());
        if (floor.Failure is not null) row.Set("floor_status", floor.Failure);
        _reporter.Write(row);
    }

    /// <summary>Why the naive baseline is not run at this size (memory or time budget), or null to run it.</summary>
    private string? NaiveRefusal(string minerName, int batch, long[] labels)
    {
        double gib = 1024.0 * 1024 * 1024;
        double est = NaiveTripletLoss.EstimatedBytes(batch, SyntheticData.ValidTripletCount(labels)) * _naiveCalibration.GetValueOrDefault(minerName, 1.0);
        double budget = _options.NaiveMemoryGiB * gib;
        if (est > budget) return $"out of memory (needs ≈{est / gib:0.#} GiB > {_options.NaiveMemoryGiB:0.#} GiB budget)";
        double available = AvailableBytes();
        if (available > 0 && est > 0.8 * available) return $"out of memory (needs ≈{est / gib:0.#} GiB, {available / gib:0.#} GiB available)";
        // Extrapolate only from the neighbouring size: at small B fixed per-op costs dominate and B³ overshoots.
        if (_lastNaive.TryGetValue(minerName, out var last) && 2L * last.Batch >= batch)
        {
            double scale = Math.Pow((double)batch / last.Batch, 3);
            double perRun = last.Ms * scale / 1000;
            if (perRun > _naiveTimeBudget) return $"out of time (≈{perRun:0} s a run > {_naiveTimeBudget:0} s budget)";
        }
        return null;
    }

    private Tensor FloorMatrix(BaseDistance distance, Tensor x)
    {
        if (!_floorFallback)
        {
            try { return distance.Compute(x); }
            catch (NotImplementedException)
            {
                _floorFallback = true;
                FloorDescription = "torch.cdist(x, x).sum().backward() (engine distance not implemented yet)";
            }
        }
        return cdist(x, x);
    }

    private bool _floorFallback;

    private static double AvailableBytes()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
            if (line is not null) return long.Parse(new string(line.Where(char.IsDigit).ToArray())) * 1024.0;
        }
        catch (IOException) { }
        return 0;
    }
}
