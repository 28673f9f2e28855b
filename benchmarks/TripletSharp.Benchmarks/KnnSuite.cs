using System.Diagnostics;
using TripletSharp.Distances;
using TripletSharp.Evaluation;
using TripletSharp.Search;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Suite <c>knn</c>: exact retrieval on N × N (query = gallery), D = 64, 10 balanced classes.
/// floor = the blocked matrix product alone (each query block × galleryᵀ); top-k = <see cref="ExactKnn.SearchBlocks"/>
/// with k = R_max after excluding self by index (R_max + 1 selected per row, as PML asks its kNN for k + 1), the
/// streaming call the evaluator makes, each block's result released after its callback; evaluate = <see cref="RetrievalEvaluator.Evaluate"/> (NMI off). The evaluator's share beyond
/// the top-k is what MAP@R and the other metrics cost. Plus embedding throughput of the default model.
/// </summary>
internal sealed class KnnSuite
{
    public const int Dim = 64;
    public const int Classes = 10;
    public const double Tolerance = 1e-4;

    private readonly BenchmarkOptions _options;
    private readonly Reporter _reporter;

    public KnnSuite(BenchmarkOptions options, Reporter reporter)
    {
        _options = options;
        _reporter = reporter;
    }

    public bool CheckFailed { get; private set; }

    public void Run()
    {
        string? selfCheck = SelfChecks.MapAtRStreamed();
        if (selfCheck is not null)
        {
            CheckFailed = true;
            _reporter.Note($"SELF-CHECK FAILED: {selfCheck}");
        }
        RunSearch();
        RunEmbedding();
    }

    private void RunSearch()
    {
        int n = _options.KnnN ?? (_options.Quick ? 20000 : 60000);
        int block = Math.Min(_options.KnnBlock, n);
        var plan = new TimingPlan(Warmup: 0, MinReps: 3, MaxReps: _options.Quick ? 3 : 5, BudgetSeconds: _options.Quick ? 10 : 120);

        _reporter.BeginTable($"knn: exact search, N = {n} (query = gallery), D = {Dim}, {Classes} classes, block {block}",
            new Column("n", "N", Width: 6),
            new Column("k", "k", Width: 5),
            new Column("topk_ms", "top-k ms", "0"),
            new Column("floor_ms", "floor ms", "0"),
            new Column("ratio_to_floor", "ratio", "0.00"),
            new Column("eval_ms", "evaluate ms", "0"),
            new Column("eval_overhead_pct", "metrics %", "0.0"),
            new Column("metrics_direct_pct", "metrics % (direct)", "0.0"),
            new Column("topk_peak_mib", "top-k MiB", "0"),
            new Column("floor_peak_mib", "floor MiB", "0"),
            new Column("eval_peak_mib", "evaluate MiB", "0"),
            new Column("map_at_r", "MAP@R", "0.0000"),
            new Column("check", "check", Width: 8, Select: r => r.Get("status") is string s && s != "ok" ? s : r.Get("check"), Left: true));

        Reporter.Progress($"knn: building {n}×{Dim} embeddings");
        MemoryProbe.Settle();
        var (emb, labels) = SyntheticData.ClusteredEmbeddings(n, Dim, Classes, seed: 11);
        using var _ = emb;
        int rMax = labels.GroupBy(l => l).Max(g => g.Count()) - 1;
        int k = rMax + 1;
        var distance = new EuclideanDistance();
        var row = new Row("knn").Set("n", n).Set("dim", Dim).Set("classes", Classes).Set("k", k).Set("block", block)
            .Set("distance", distance.Name);

        // Check pass (also the warm-up): stream the top-k, compute MAP@R from it, compare with the evaluator.
        Reporter.Progress("knn: check pass (streamed top-k + reference MAP@R, then the evaluator)");
        string status = "ok";
        var reference = new MapAtR(labels);
        double mapMs = 0, metricsMs = 0;
        var classSize = labels.GroupBy(l => l).ToDictionary(g => g.Key, g => (long)g.Count());
        var accumulator = new RetrievalAccumulator(labels, labels.Select(l => classSize[l] - 1).ToArray(), knnK: 5);
        var clock = Stopwatch.StartNew();
        try
        {
            ExactKnn.SearchBlocks(emb, emb, rMax, kb =>
            {
                // The evaluator's own per-block metric pass (MAP@R, R-precision, P@1, recall@k, k-NN vote), timed directly.
                var sw = Stopwatch.StartNew();
                accumulator.Add(kb.Start, kb.Indices);
                metricsMs += sw.Elapsed.TotalMilliseconds;
                sw.Restart();
                reference.Add(kb.Start, kb.Indices);
                mapMs += sw.Elapsed.TotalMilliseconds;
            }, distance, excludeSelf: true, blockSize: block);
        }
        catch (Exception e) when (Failures.IsExpected(e)) { status = Failures.Describe(e); }
        double searchOnceMs = clock.Elapsed.TotalMilliseconds - mapMs - metricsMs;
        if (status == "ok")
            row.Set("map_at_r_reference", reference.Value).Set("reference_mapr_ms", mapMs)
               .Set("metrics_direct_ms", metricsMs).Set("search_once_ms", searchOnceMs)
               .Set("metrics_direct_pct", 100 * metricsMs / (metricsMs + searchOnceMs));

        string evalStatus = "ok";
        var evaluator = new RetrievalEvaluator(distance, computeNmi: false, blockSize: block);
        try
        {
            var metrics = evaluator.Evaluate(emb, labels);
            row.Set("map_at_r", metrics.MapAtR).Set("precision_at_1", metrics.PrecisionAt1).Set("r_precision", metrics.RPrecision);
            if (status == "ok")
            {
                double rel = Math.Abs(metrics.MapAtR - reference.Value) / Math.Max(Math.Abs(reference.Value), 1e-12);
                bool ok = rel <= Tolerance;
                row.Set("check", ok ? "ok" : "MISMATCH").Set("check_rel_diff", rel);
                if (!ok) CheckFailed = true;
            }
        }
        catch (Exception e) when (Failures.IsExpected(e)) { evalStatus = Failures.Describe(e); }
        if (row.Get("check") is null) row.Set("check", "n/a");

        var floor = new Variant("floor", () =>
        {
            for (int s = 0; s < n; s += block)
            {
                using var scope = NewDisposeScope();
                emb.narrow(0, s, Math.Min(block, n - s)).mm(emb.t());
            }
        });
        var topk = new Variant("top-k", () => ExactKnn.SearchBlocks(emb, emb, rMax, _ => { }, distance, excludeSelf: true, blockSize: block));
        if (status != "ok") topk.Failure = status;
        var evaluate = new Variant("evaluate", () => evaluator.Evaluate(emb, labels));
        if (evalStatus != "ok") evaluate.Failure = evalStatus;

        Reporter.Progress($"knn: timing floor / top-k / evaluate interleaved ({plan.MinReps}–{plan.MaxReps} rounds)");
        Interleaved.Run(new[] { floor, topk, evaluate }, plan, probeMemory: true);

        row.Set("status", status == "ok" ? evalStatus : status)
           .Set("topk_ms", topk.MedianMs).Set("floor_ms", floor.MedianMs)
           .Set("ratio_to_floor", Stats.Ratio(topk.MedianMs, floor.MedianMs))
           .Set("eval_ms", evaluate.MedianMs)
           .Set("eval_overhead_pct", 100 * Stats.Ratio(Math.Max(0, evaluate.MedianMs - topk.MedianMs), evaluate.MedianMs))
           .Set("topk_peak_mib", topk.PeakBytes is long a ? Stats.Mib(a) : null)
           .Set("floor_peak_mib", floor.PeakBytes is long b ? Stats.Mib(b) : null)
           .Set("eval_peak_mib", evaluate.PeakBytes is long c ? Stats.Mib(c) : null)
           .Set("reps", floor.Samples.Count)
           .Set("load_avg_1m", MachineInfo.LoadAverage());
        _reporter.Write(row);
        _reporter.Note($"k = R_max + 1 = {k}: R_max = {rMax} neighbours after the query's own row is dropped by index (PML asks for k + 1 and drops self). " +
                       "floor = Σ over query blocks of block·galleryᵀ (mm only); top-k = ExactKnn.SearchBlocks(excludeSelf: true), results discarded; " +
                       "metrics % = (evaluate − top-k) / evaluate, from the two medians; metrics % (direct) = time in the evaluator's per-block " +
                       "metric pass (RetrievalAccumulator.Add) / (that + the search), timed inside one streamed pass.");
    }

    private void RunEmbedding()
    {
        const int batch = 1024;
        int reps = _options.Quick ? 5 : 15;
        _reporter.BeginTable($"embed: default model inference (eval mode, no_grad), batch {batch}, 1×28×28",
            new Column("model", "model", Width: 10, Left: true),
            new Column("threads", "threads"),
            new Column("batch_ms", "batch ms", "0.0"),
            new Column("images_per_s", "img/s", "0"),
            new Column("peak_mib", "peak MiB", "0.0"),
            new Column("status", "status", Width: 6, Left: true));
        Reporter.Progress("embed: inference throughput");
        var row = new Row("embed").Set("model", DefaultModel.Description).Set("batch", batch).Set("threads", get_num_threads());
        using var images = rand(new long[] { batch, 1, 28, 28 }, generator: new Generator(3));
        using var model = DefaultModel.Create(1, 28, 28, seed: 0);
        model.eval();
        var v = new Variant("embed", () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            model.forward(images);
        });
        Interleaved.Run(new[] { v }, new TimingPlan(Warmup: 2, MinReps: reps, MaxReps: reps, BudgetSeconds: 0), probeMemory: true);
        row.Set("status", v.Failure ?? "ok").Set("batch_ms", v.MedianMs).Set("images_per_s", Stats.Ratio(batch * 1000.0, v.MedianMs))
           .Set("peak_mib", v.PeakBytes is long p ? Stats.Mib(p) : null).Set("reps", v.Samples.Count);
        _reporter.Write(row);
        _reporter.Note($"model: {DefaultModel.Description}.");
    }
}
