using System.Diagnostics;
using TorchSharp;
using TripletSharp.Losses;
using TripletSharp.Mining;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Suite <c>train</c>: one training step of the default model on a P×K = 16×8 batch of 28×28 grey images.
/// Full step = forward, mining, loss, backward, Adam step, with the loss and gradient finiteness checks the trainer
/// does (its defaults: semi-hard miner, margin 0.2, avg-nonzero, Adam lr 1e-3). Floor = the same model's forward, a trivial loss
/// (<c>output.sum()</c>), backward and the same Adam step, so the ratio isolates what mining and the loss cost.
/// Data time (sampler + <c>index_select</c> from the in-memory tensor) is timed separately from both.
/// </summary>
internal sealed class TrainSuite
{
    public const int P = 16;
    public const int K = 8;
    public const int Batch = P * K;
    public const int ImageSize = 28;
    public const int DatasetClasses = 40;
    public const int PerClass = 320;
    public const double LearningRate = 1e-3;
    public const double Margin = 0.2;

    private readonly BenchmarkOptions _options;
    private readonly Reporter _reporter;

    public TrainSuite(BenchmarkOptions options, Reporter reporter)
    {
        _options = options;
        _reporter = reporter;
    }

    private static int OsThreads()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Threads:", StringComparison.Ordinal));
            return line is null ? 0 : int.Parse(line[8..].Trim());
        }
        catch (Exception e) when (e is IOException or FormatException) { return 0; }
    }

    private static double GradSquaredNorm(IEnumerable<TorchSharp.Modules.Parameter> parameters)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor? total = null;
        foreach (var p in parameters)
        {
            var g = p.grad;
            if (g is null) continue;
            var sq = g.square().sum();
            total = total is null ? sq : total.add_(sq);
        }
        return total is null ? 0 : total.item<float>();
    }

    /// <summary>The miner of the measured step (the trainer's default).</summary>
    private static BaseMiner CreateMiner() => new SemiHardMiner(margin: Margin);

    public void Run()
    {
        int warmup = _options.Quick ? 3 : 5;
        int reps = _options.Quick ? 10 : 60;
        int steps = _options.Steps ?? (_options.Quick ? 150 : 1000);
        int earlyStep = Math.Max(1, Math.Min(100, steps / 3));

        _reporter.BeginTable($"train: one step, batch {Batch} (P×K = {P}×{K}), {ImageSize}×{ImageSize} grey, Adam lr {LearningRate}",
            new Column("miner", "miner", Width: 8, Left: true),
            new Column("precision", "precision", Width: 10, Left: true),
            new Column("threads", "threads"),
            new Column("step_ms", "step ms", "0.00"),
            new Column("images_per_s", "img/s", "0"),
            new Column("floor_ms", "floor ms", "0.00"),
            new Column("floor_images_per_s", "floor img/s", "0"),
            new Column("throughput_ratio", "ratio", "0.000"),
            new Column("data_ms", "data ms", "0.000"),
            new Column("data_share_pct", "data %", "0.00"),
            new Column("rss_mib_early", $"RSS MiB @{earlyStep}", "0.0"),
            new Column("rss_mib_end", $"RSS MiB @{steps}", "0.0"),
            new Column("rss_growth_mib", "growth MiB", "0.0"),
            new Column("rss_settled_growth_mib", "settled growth MiB", "0.0"),
            new Column("live_tensor_growth", "live tensors Δ"),
            new Column("status", "status", Width: 6, Left: true));

        Reporter.Progress("train: building data and models");
        long n = (long)DatasetClasses * PerClass;
        var gen = new Generator(7);
        using var features = rand(new[] { n, 1L, ImageSize, ImageSize }, generator: gen);
        using var labelTensor = SyntheticData.BalancedLabels(n, DatasetClasses, seed: 8);
        long[] labels = labelTensor.data<long>().ToArray();
        var batches = new PkBatches(labels, P, K, seed: 0);

        using var model = DefaultModel.Create(1, ImageSize, ImageSize, seed: 0);
        using var floorModel = DefaultModel.Create(1, ImageSize, ImageSize, seed: 0);
        using var bf16Model = DefaultModel.Create(1, ImageSize, ImageSize, seed: 0);
        bool bf16Native = TripletSharp.Training.MixedPrecision.SupportsBf16(CPU);
        // bf16-mixed as the trainer runs it: float32 master weights and Adam, bfloat16 forward/backward (fp32 where the CPU has no native bfloat16).
        TripletSharp.Training.MixedPrecision.Apply(bf16Model, TripletSharp.Training.TrainingPrecision.Bf16Mixed, bf16Native, Reporter.Progress);
        model.train();
        floorModel.train();
        bf16Model.train();
        using var bf16Optimizer = optim.Adam(bf16Model.parameters(), lr: LearningRate);
        var bf16Parameters = bf16Model.parameters().ToArray();
        using var optimizer = optim.Adam(model.parameters(), lr: LearningRate);
        using var floorOptimizer = optim.Adam(floorModel.parameters(), lr: LearningRate);
        var miner = CreateMiner();
        var loss = new TripletMarginLoss(margin: Margin);

        (Tensor X, Tensor Y) Assemble()
        {
            int[] idx = batches.Next();
            using var index = tensor(idx.Select(i => (long)i).ToArray());
            return (features.index_select(0, index), labelTensor.index_select(0, index));
        }

        var parameters = model.parameters().ToArray();

        // As Trainer.Fit's step: the loss value and the gradient norm are read back and checked for finiteness.
        void FullStep(Tensor x, Tensor y) => Step(model, optimizer, parameters, x, y);

        void Step(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, TorchSharp.Modules.Parameter[] parameters, Tensor x, Tensor y)
        {
            var emb = model.forward(x);
            using var mined = miner.Mine(emb, y);
            var output = loss.ComputeDetailed(emb, y, mined);
            double value = output.Loss.item<float>();
            if (!double.IsFinite(value)) throw new InvalidOperationException($"non-finite loss {value}");
            optimizer.zero_grad();
            output.Loss.backward();
            double g = GradSquaredNorm(parameters);
            if (!double.IsFinite(g)) throw new InvalidOperationException($"non-finite gradient norm {g}");
            optimizer.step();
        }

        void FloorStep(Tensor x)
        {
            var l = floorModel.forward(x).sum();
            floorOptimizer.zero_grad();
            l.backward();
            floorOptimizer.step();
        }

        var row = new Row("train").Set("model", DefaultModel.Description).Set("batch", Batch).Set("p", P).Set("k", K)
            .Set("miner", miner.Name).Set("loss", "TripletMarginLoss(margin 0.2)").Set("optimizer", $"Adam(lr {LearningRate})")
            .Set("floor", "same model: forward + output.sum() + backward + the same Adam step")
            .Set("sampler", batches.Description).Set("threads", get_num_threads()).Set("clock", CpuClock.Enabled ? "cpu" : "wall");

        // Interleaved: full step, floor step, full step, …; data assembly timed apart from the step.
        string status = "ok";
        var stepMs = new List<double>();
        var dataMs = new List<double>();
        var floorMs = new List<double>();
        var bf16Ms = new List<double>();
        Reporter.Progress($"train: {warmup} warm-up + {reps} interleaved steps");
        for (int i = 0; i < warmup + reps; i++)
        {
            if (status == "ok")
            {
                using var scope = NewDisposeScope();
                double t0 = CpuClock.NowMs();
                var (x, y) = Assemble();
                double t1 = CpuClock.NowMs();
                try { FullStep(x, y); }
                catch (Exception e) when (Failures.IsExpected(e)) { status = Failures.Describe(e); }
                double d = t1 - t0, s = CpuClock.NowMs() - t1;
                if (i >= warmup && status == "ok") { dataMs.Add(d); stepMs.Add(s); }
            }
            using (var scope = NewDisposeScope())
            {
                var (x, _) = Assemble();
                double t0 = CpuClock.NowMs();
                FloorStep(x);
                if (i >= warmup) floorMs.Add(CpuClock.NowMs() - t0);
            }
            if (status == "ok")
            {
                using var scope = NewDisposeScope();
                var (x, y) = Assemble();
                double t0 = CpuClock.NowMs();
                Step(bf16Model, bf16Optimizer, bf16Parameters, x, y);
                if (i >= warmup) bf16Ms.Add(CpuClock.NowMs() - t0);
            }
        }

        double step = Stats.Median(stepMs), floor = Stats.Median(floorMs), data = Stats.Median(dataMs);
        row.Set("precision", "fp32").Set("status", status)
           .Set("step_ms", step).Set("images_per_s", Stats.Ratio(Batch * 1000.0, step))
           .Set("floor_ms", floor).Set("floor_images_per_s", Stats.Ratio(Batch * 1000.0, floor))
           .Set("throughput_ratio", Stats.Ratio(floor, step))
           .Set("data_ms", data).Set("data_share_pct", 100 * Stats.Ratio(data, step))
           .Set("reps", floorMs.Count);

        // Memory flatness: many consecutive steps. At the early step and at the end: resident memory as it is, resident
        // memory after a GC and malloc_trim (what the process really holds, without freed pages glibc keeps cached),
        // the managed heap and the live TorchSharp tensors; raw RSS is also traced at four points in between.
        bool fullRuns = status == "ok";
        row.Set("memory_run", fullRuns ? "full step" : "floor step (full step unavailable)").Set("steps", steps).Set("early_step", earlyStep);
        Reporter.Progress($"train: {steps} consecutive {(fullRuns ? "full" : "floor")} steps for memory flatness");
        MemoryProbe.Settle();
        long rssEarly = 0, settledEarly = 0, liveEarly = 0, heapEarly = 0, committedEarly = 0;
        var trace = new List<string>();
        int traceEvery = Math.Max(1, (steps - earlyStep) / 4);
        var wall = Stopwatch.StartNew();
        for (int i = 1; i <= steps; i++)
        {
            using (var scope = NewDisposeScope())
            {
                var (x, y) = Assemble();
                if (fullRuns) FullStep(x, y);
                else FloorStep(x);
            }
            if (i == earlyStep)
            {
                rssEarly = MemoryProbe.CurrentRss();
                committedEarly = GC.GetGCMemoryInfo().TotalCommittedBytes;
                liveEarly = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                MemoryProbe.Settle();
                settledEarly = MemoryProbe.CurrentRss();
                heapEarly = GC.GetTotalMemory(false);
                trace.Add($"{i}:{Stats.Mib(rssEarly):0}");
                wall.Restart();
            }
            else if (i > earlyStep && (i - earlyStep) % traceEvery == 0 && i < steps)
            {
                trace.Add($"{i}:{Stats.Mib(MemoryProbe.CurrentRss()):0}");
            }
        }
        double perStep = wall.Elapsed.TotalMilliseconds / Math.Max(1, steps - earlyStep);
        long rssEnd = MemoryProbe.CurrentRss();
        long committedEnd = GC.GetGCMemoryInfo().TotalCommittedBytes;
        trace.Add($"{steps}:{Stats.Mib(rssEnd):0}");
        long liveEnd = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        MemoryProbe.Settle();
        long settledEnd = MemoryProbe.CurrentRss();
        long heapEnd = GC.GetTotalMemory(false);
        row.Set("rss_mib_early", Stats.Mib(rssEarly)).Set("rss_mib_end", Stats.Mib(rssEnd))
           .Set("rss_growth_mib", Stats.Mib(rssEnd - rssEarly))
           .Set("rss_settled_mib_early", Stats.Mib(settledEarly)).Set("rss_settled_mib_end", Stats.Mib(settledEnd))
           .Set("rss_settled_growth_mib", Stats.Mib(settledEnd - settledEarly))
           .Set("gc_committed_mib_early", Stats.Mib(committedEarly)).Set("gc_committed_mib_end", Stats.Mib(committedEnd))
           .Set("threads_os_end", OsThreads())
           .Set("managed_heap_mib_early", Stats.Mib(heapEarly)).Set("managed_heap_mib_end", Stats.Mib(heapEnd))
           .Set("rss_trace_mib", string.Join(" ", trace))
           .Set("live_tensors_early", liveEarly).Set("live_tensor_growth", liveEnd - liveEarly)
           .Set("steady_ms_per_step", perStep)
           .Set("load_avg_1m", MachineInfo.LoadAverage());
        _reporter.Write(row);
        double bf16 = Stats.Median(bf16Ms);
        _reporter.Write(new Row("train").Set("model", DefaultModel.Description).Set("batch", Batch).Set("miner", miner.Name)
            .Set("threads", get_num_threads()).Set("precision", bf16Native ? "bf16-mixed" : "bf16-mixed (fell back to fp32)")
            .Set("status", status).Set("step_ms", bf16).Set("images_per_s", Stats.Ratio(Batch * 1000.0, bf16))
            .Set("floor_ms", floor).Set("floor_images_per_s", Stats.Ratio(Batch * 1000.0, floor))
            .Set("throughput_ratio", Stats.Ratio(floor, bf16)).Set("data_ms", data).Set("data_share_pct", 100 * Stats.Ratio(data, bf16))
            .Set("reps", bf16Ms.Count).Set("load_avg_1m", MachineInfo.LoadAverage()));
        _reporter.Note($"model: {DefaultModel.Description}; sampler: {batches.Description}. ratio = floor ms / step ms (= full-step throughput / floor throughput). " +
                       $"data = sampler + index_select of the batch from the in-memory tensor, as a share of step ms. Step, floor and data clock: {CpuClock.Name}. " +
                       $"RSS trace (step:MiB): {row.Get("rss_trace_mib")}; settled = after GC + malloc_trim; live managed heap {row.GetDouble("managed_heap_mib_early"):0.0} → {row.GetDouble("managed_heap_mib_end"):0.0} MiB, " +
                       $"GC committed (free regions the GC keeps for reuse, part of raw RSS) {row.GetDouble("gc_committed_mib_early"):0.0} → {row.GetDouble("gc_committed_mib_end"):0.0} MiB.");

        // Per-phase breakdown of the full step (issue 14 §2), fp32 and bf16-mixed interleaved A B B A in this process.
        if (status == "ok")
            WritePhases(reps, warmup, Assemble,
                (x, y) => PhasedStep(model, optimizer, parameters, miner, loss, x, y),
                (x, y) => PhasedStep(bf16Model, bf16Optimizer, bf16Parameters, miner, loss, x, y),
                (x, _) => { double t0 = CpuClock.NowMs(); FloorStep(x); return [0, CpuClock.NowMs() - t0, 0, 0, 0]; },
                bf16Native);
    }

    /// <summary>The phases of the trainer's step, in the order they run.</summary>
    private static readonly string[] PhaseNames = ["data", "forward", "miner_loss", "backward", "optimizer"];

    /// <summary>
    /// One full step, as <c>Trainer.Fit</c> does it, timed per phase: forward; miner + loss (mining, the loss, and
    /// reading the loss back for the finiteness check); backward (zero_grad, backward, the gradient-norm check); the
    /// Adam step. CPU tensors are computed when the call returns, so each clock reading is that phase's work
    /// (<see cref="CpuClock"/>: wall clock, or with <c>--clock cpu</c> the process's CPU time).
    /// </summary>
    private static double[] PhasedStep(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, TorchSharp.Modules.Parameter[] parameters,
        BaseMiner miner, TripletMarginLoss loss, Tensor x, Tensor y)
    {
        var t = new double[PhaseNames.Length];
        double start = CpuClock.NowMs();
        var emb = model.forward(x);
        double now = CpuClock.NowMs();
        t[1] = now - start;
        start = now;
        using var mined = miner.Mine(emb, y);
        var output = loss.ComputeDetailed(emb, y, mined);
        double value = output.Loss.item<float>();
        if (!double.IsFinite(value)) throw new InvalidOperationException($"non-finite loss {value}");
        now = CpuClock.NowMs();
        t[2] = now - start;
        start = now;
        optimizer.zero_grad();
        output.Loss.backward();
        double g = GradSquaredNorm(parameters);
        if (!double.IsFinite(g)) throw new InvalidOperationException($"non-finite gradient norm {g}");
        now = CpuClock.NowMs();
        t[3] = now - start;
        start = now;
        optimizer.step();
        t[4] = CpuClock.NowMs() - start;
        return t;
    }

    /// <summary>
    /// Table <c>train_phases</c>: the median milliseconds of each phase for fp32 and bf16-mixed and the fp32 floor step,
    /// measured in rounds fp32, bf16, floor / floor, bf16, fp32 (so load changes hit all three alike), bf16 / fp32 per
    /// phase, and each step's phases summed as a multiple of the floor of the same rounds.
    /// </summary>
    private void WritePhases(int reps, int warmup, Func<(Tensor X, Tensor Y)> data,
        Func<Tensor, Tensor, double[]> fp32, Func<Tensor, Tensor, double[]> bf16, Func<Tensor, Tensor, double[]> floorStep, bool bf16Native)
    {
        var samples = new[] { new List<double[]>(), new List<double[]>(), new List<double[]>() };
        var arms = new[] { fp32, bf16, floorStep };
        Reporter.Progress($"train: per-phase breakdown, {warmup} warm-up + {reps} rounds of fp32 / bf16-mixed / floor (A B C C B A)");
        for (int i = 0; i < warmup + reps; i++)
        {
            foreach (int a in i % 2 == 0 ? new[] { 0, 1, 2 } : new[] { 2, 1, 0 })
            {
                using var scope = NewDisposeScope();
                double t0 = CpuClock.NowMs();
                var (x, y) = data();
                double d = CpuClock.NowMs() - t0;
                var t = arms[a](x, y);
                t[0] = d;
                if (i >= warmup) samples[a].Add(t);
            }
        }
        var medians = samples.Select(s => Enumerable.Range(0, PhaseNames.Length).Select(p => Stats.Median(s.Select(t => t[p]).ToList())).ToArray()).ToArray();
        double floorMs = Stats.Median(samples[2].Select(t => t[1]).ToList());
        _reporter.BeginTable($"train phases: median ms per phase of the full step, fp32, bf16-mixed and the fp32 floor interleaved (A B C C B A), {reps} rounds",
            new Column("precision", "precision", Width: 10, Left: true),
            new Column("data_ms", "data", "0.00"),
            new Column("forward_ms", "forward", "0.00"),
            new Column("miner_loss_ms", "miner+loss", "0.00"),
            new Column("backward_ms", "backward", "0.00"),
            new Column("optimizer_ms", "optimiser", "0.00"),
            new Column("total_ms", "sum", "0.00"),
            new Column("of_fp32_floor", "÷ fp32 floor", "0.000"));
        string[] names = ["fp32", bf16Native ? "bf16-mixed" : "bf16-mixed (fell back to fp32)"];
        for (int a = 0; a < 2; a++)
        {
            var r = new Row("train_phases").Set("precision", names[a]).Set("reps", samples[a].Count).Set("fp32_floor_ms", floorMs)
                .Set("clock", CpuClock.Enabled ? "cpu" : "wall");
            for (int p = 0; p < PhaseNames.Length; p++) r.Set(PhaseNames[p] + "_ms", medians[a][p]);
            double total = medians[a].Sum();
            _reporter.Write(r.Set("total_ms", total).Set("of_fp32_floor", Stats.Ratio(total, floorMs)).Set("load_avg_1m", MachineInfo.LoadAverage()));
        }
        var ratio = new Row("train_phases").Set("precision", "bf16 / fp32");
        for (int p = 0; p < PhaseNames.Length; p++) ratio.Set(PhaseNames[p] + "_ms", Stats.Ratio(medians[1][p], medians[0][p]));
        _reporter.Write(ratio.Set("total_ms", Stats.Ratio(medians[1].Sum(), medians[0].Sum())));
        _reporter.Note($"sum = the medians of the phases added (the step's own median differs slightly); ÷ fp32 floor = sum / the median fp32 floor step " +
                       $"(forward + output.sum() + backward + Adam) of the same rounds, {floorMs:0.00} ms. The last row divides bf16-mixed by fp32 per phase. Clock: {CpuClock.Name}.");
    }
}
