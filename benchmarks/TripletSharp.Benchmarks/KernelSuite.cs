using TripletSharp.Engine;
using TripletSharp.Losses;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Suite <c>kernels</c>: the parts of a band loss step timed on their own, interleaved with the floor of the loss suite
/// (one distance matrix forward and backward), so that each part's share of the loss suite's ratio can be seen under
/// load: the no-grad matrix, the band kernel per miner's band (with the gradient weights the Euclidean closed form
/// needs), FaceNet's selection, distance-weighted sampling's draw, the closed-form embedding gradient's products, and the
/// whole steps of semi-hard (the default training path), FaceNet semi-hard and distance-weighted in three nested pieces,
/// so that what lies between the kernels shows as the difference.
/// </summary>
internal sealed class KernelSuite
{
    private readonly BenchmarkOptions _options;
    private readonly Reporter _reporter;

    public KernelSuite(BenchmarkOptions options, Reporter reporter)
    {
        _options = options;
        _reporter = reporter;
    }

    public void Run()
    {
        int[] batches = _options.Batches ?? new[] { 1024, 4096 };
        var plan = _options.Quick ? new TimingPlan(Warmup: 1, MinReps: 3, MaxReps: 15, BudgetSeconds: 2.0)
                                  : new TimingPlan(Warmup: 1, MinReps: 5, MaxReps: 40, BudgetSeconds: 8.0);
        _reporter.BeginTable($"kernels: parts of a band loss step / floor, D={LossSuite.Dim}, {LossSuite.Classes} classes, margin {LossSuite.Margin}",
            new Column("part", "part", Width: 26, Left: true),
            new Column("batch", "B", "0"),
            new Column("ms", "ms", "0.00"),
            new Column("floor_ms", "floor ms", "0.00"),
            new Column("ratio_to_floor", "ratio", "0.00"),
            new Column("reps", "reps", "0"));
        foreach (int batch in batches) RunBatch(batch, plan);
        _reporter.Note("floor: EuclideanDistance.Compute(x).sum().backward(), interleaved with every part; ratio = part/floor.");
    }

    private void RunBatch(int batch, TimingPlan plan)
    {
        Reporter.Progress($"kernels B={batch}");
        using var x = SyntheticData.NormalizedEmbeddings(batch, LossSuite.Dim, seed: batch);
        using var labels = SyntheticData.BalancedLabels(batch, LossSuite.Classes, seed: batch + 1);
        var loss = new TripletMarginLoss(margin: LossSuite.Margin);
        var distance = loss.Distance;
        IMeasure measure = distance;
        var table = PairTable.Build(labels);
        using var m = measure.Matrix(x);
        using var weights = empty_like(m);
        bool divide = measure.GradientRule?.DivideByValue ?? false;
        var bands = new (string Name, DeltaBand Band)[]
        {
            ("band batch-all", DeltaBand.All),
            ("band semihard", new DeltaBand(0, false, LossSuite.Margin, true)),
            ("band hard", new DeltaBand(double.NegativeInfinity, true, 0, false)),
        };
        var variants = new List<Variant>
        {
            new("floor", () =>
            {
                using var scope = NewDisposeScope();
                var xi = x.detach().requires_grad_(true);
                distance.Compute(xi).sum().backward();
            }),
            new("matrix (no grad)", () =>
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                measure.Matrix(x);
            }),
            new("gradient products", () =>
            {
                using var scope = NewDisposeScope();
                weights.mm(x).add_(weights.t().mm(x));
            }),
        };
        variants.Add(new Variant("pair table", () =>
        {
            using var scope = NewDisposeScope();
            PairTable.Build(labels);
        }));
        variants.Add(new Variant("pair table (host)", () => PairTable.BuildHost(labels)));
        variants.Add(new Variant("matrix fingerprint", () =>
        {
            using var scope = NewDisposeScope();
            MatrixCache.Of(x);
        }));
        foreach (var (name, band) in bands)
            variants.Add(new Variant(name, () =>
                BandKernel.Evaluate(m, measure.IsInverted, table, band, LossSuite.Margin, new GradientWeights(weights, divide, true))));
        var chosen = new int[SlotTriplets.Count(table)];
        variants.Add(new Variant("facenet select", () => FaceNetKernel.Select(m, measure.IsInverted, table, chosen)));
        var uniform = new double[chosen.Length];
        for (int i = 0; i < uniform.Length; i++) uniform[i] = (i * 0.6180339887498949) % 1.0;
        variants.Add(new Variant("distance-weighted draw", () => DistanceWeightedKernel.Draw(m, table, LossSuite.Dim, 0.5, 1.4, uniform, chosen)));
        // FaceNet's B·K explicit triplets: the loss value and its embedding gradient straight from the matrix.
        FaceNetKernel.Select(m, measure.IsInverted, table, chosen);
        var (fa, fp, fn) = SlotTriplets.ToTensors(table, chosen);
        using var faScope = fa;
        using var fpScope = fp;
        using var fnScope = fn;
        var spec = new TripletLossSpec(LossSuite.Margin, false, false, measure);
        variants.Add(new Variant("explicit value (facenet)", () => ExplicitKernel.Evaluate(spec, m, fa, fp, fn, null)));
        variants.Add(new Variant("explicit loss (facenet)", () =>
        {
            using var scope = NewDisposeScope();
            ExplicitKernel.Evaluate(spec, m, fa, fp, fn, x);
        }));
        // The semi-hard step (the default training path) and the two explicit-triplet miners' steps, each in three nested
        // pieces: mining, + the loss's forward, + backward.
        AddStep(variants, "semihard", new TripletSharp.Mining.SemiHardMiner(margin: LossSuite.Margin), loss, x, labels);
        AddStep(variants, "facenet", new TripletSharp.Mining.FaceNetSemiHardMiner(), loss, x, labels);
        AddStep(variants, "dw", new TripletSharp.Mining.DistanceWeightedMiner(seed: 0), loss, x, labels);
        Interleaved.Run(variants, plan);
        var floor = variants[0];
        foreach (var v in variants.Skip(1))
            _reporter.Write(new Row("kernels").Set("part", v.Name).Set("batch", batch).Set("ms", v.MedianMs)
                .Set("floor_ms", floor.MedianMs).Set("ratio_to_floor", Stats.Ratio(v.MedianMs, floor.MedianMs))
                .Set("reps", v.Samples.Count));
    }
    /// <summary>A miner's loss step in three nested pieces: mining, + the loss's forward, + backward.</summary>
    private static void AddStep(List<Variant> variants, string name, TripletSharp.Mining.BaseMiner miner, TripletMarginLoss loss, Tensor x, Tensor labels)
    {
        variants.Add(new Variant($"step {name}: mine", () =>
        {
            using var scope = NewDisposeScope();
            var xi = x.detach().requires_grad_(true);
            using var mined = miner.Mine(xi, labels);
        }));
        variants.Add(new Variant($"step {name}: +loss", () =>
        {
            using var scope = NewDisposeScope();
            var xi = x.detach().requires_grad_(true);
            using var mined = miner.Mine(xi, labels);
            loss.Compute(xi, labels, mined);
        }));
        variants.Add(new Variant($"step {name}: +backward", () =>
        {
            using var scope = NewDisposeScope();
            var xi = x.detach().requires_grad_(true);
            using var mined = miner.Mine(xi, labels);
            loss.Compute(xi, labels, mined).backward();
        }));
    }
}
