using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using TripletSharp.Tests.Models;
using TripletSharp.Components;
using TripletSharp.Training;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Training;

[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class TrainerTests
{
    private static TrainerOptions Small(string outDir, int epochs = 3) => new()
    {
        Epochs = epochs,
        ClassesPerBatch = 4,
        SamplesPerClass = 4,
        BatchesPerEpoch = 5,
        Model = ModelKind.Mlp,
        HiddenSizes = [16],
        EmbeddingDim = 4,
        Threads = 1,
        Seed = 3,
        LearningRate = 1e-2,
        OutputDirectory = outDir,
    };

    private static readonly string[] MetricKeys =
        ["precision_at_1", "r_precision", "map_at_r", "recall_at_1", "recall_at_2", "recall_at_4", "recall_at_8", "nmi", "knn_accuracy"];

    [Fact]
    public void Fit_WritesEveryOutput_AndTheSavedModelReproducesTheMetrics()
    {
        using var dir = new TestFolder();
        using var data = SyntheticData.Clusters();
        var trainer = new Trainer(Small(dir.Path));
        var epochs = new List<EpochCompletedEventArgs>();
        int batches = 0;
        trainer.BatchCompleted += (_, p) => { batches++; Assert.True(double.IsFinite(p.Loss)); Assert.InRange(p.ActiveFraction, 0, 1); };
        trainer.EpochCompleted += (_, e) =>
        {
            Assert.NotNull(e.TestEmbeddings);
            Assert.Equal(new long[] { 32, 4 }, e.TestEmbeddings!.shape);
            Assert.Equal(32, e.TestLabels.Count);
            if (e.IsFirst) CheckTestDistances(e);
            Assert.Equal(e.Record.Loss, e.Record.ToDictionary()["loss"]);
            Assert.Equal(e.Record.Metrics!.MapAtR, e.Record.ToDictionary()["map_at_r"]);
            epochs.Add(e);
        };
        var result = trainer.Fit(data, new DataOptions { Path = "synthetic" });

        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.Equal(15, batches);
        Assert.Equal([1, 2, 3], epochs.Select(e => e.Epoch));
        Assert.True(epochs[0].IsFirst && epochs[2].IsLast);
        var run = new RunFolder(dir.Path);
        foreach (var f in new[] { run.ConfigPath, run.HistoryPath, run.MetricsPath, Path.Combine(run.ModelDirectory, "model.json"), Path.Combine(run.CheckpointDirectory, "checkpoint.json") })
            Assert.True(File.Exists(f), f);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));

        var metrics = Reliability.MetricsJson.Numbers(run.MetricsPath);
        Assert.Equal(MetricKeys, metrics.Select(kv => kv.Key));
        foreach (var (_, v) in metrics) Assert.InRange(v!.GetValue<double>(), 0, 1);
        Assert.True(metrics["precision_at_1"]!.GetValue<double>() > 0.9, "well-separated clusters should be retrieved almost perfectly");

        var lines = File.ReadAllLines(run.HistoryPath);
        Assert.Equal(4, lines.Length);
        Assert.Equal(EpochRecord.CsvHeader, lines[0]);
        var best = result.History[result.BestEpoch - 1];
        Assert.Equal(best.Metrics!.MapAtR, metrics["map_at_r"]!.GetValue<double>());
        Assert.Equal(result.History.Max(h => h.Metrics!.MapAtR), best.Metrics.MapAtR);

        // The saved model is the best epoch's: embedding the test split again gives the same metrics.
        using var model = ModelBundle.Load(run.ModelDirectory);
        Assert.Equal(result.BestEpoch, model.Training!["best_epoch"]!.GetValue<int>());
        Assert.Equal(["class0", "class1", "class2", "class3"], model.ClassNames);
        Assert.Equal("synthetic", model.Input.Data!.Path);
        using var emb = model.Embed(data.Test);
        var again = new RetrievalEvaluator(ComponentRegistry.CreateDistance(model.DistanceName)).Evaluate(emb, data.Test.Labels);
        Assert.Equal(best.Metrics.PrecisionAt1, again.PrecisionAt1, 6);
        Assert.Equal(best.Metrics.MapAtR, again.MapAtR, 6);

        var config = RunConfig.Load(run.ConfigPath);
        Assert.Equal(ModelKind.Mlp, config.Trainer.Model);
        Assert.Equal(5, config.Trainer.BatchesPerEpoch);
        Assert.Equal(1, config.Trainer.Threads);
        Assert.Equal(96, config.DataSummary!.TrainCount);
    }

    /// <summary>d_ap / d_an of the hook equal plain double-precision Euclidean distances over all test pairs.</summary>
    private static void CheckTestDistances(EpochCompletedEventArgs e)
    {
        var (ap, an) = e.TestDistances();
        var x = ReferenceNet.Flat(e.TestEmbeddings!);
        int n = e.TestLabels.Count, d = (int)e.TestEmbeddings!.shape[1];
        var refAp = new List<double>();
        var refAn = new List<double>();
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < d; k++) s += (x[i * d + k] - x[j * d + k]) * (x[i * d + k] - x[j * d + k]);
                (e.TestLabels[i] == e.TestLabels[j] ? refAp : refAn).Add(Math.Sqrt(s));
            }
        Assert.Equal(112, ap.Length);
        Assert.Equal(384, an.Length);
        for (int i = 0; i < ap.Length; i++) Assert.True(Math.Abs(refAp[i] - ap[i]) < 1e-4, $"d_ap {i}: {ap[i]} vs {refAp[i]}");
        for (int i = 0; i < an.Length; i++) Assert.True(Math.Abs(refAn[i] - an[i]) < 1e-4, $"d_an {i}: {an[i]} vs {refAn[i]}");
        var (sampledAp, sampledAn) = e.TestDistances(maxItems: 10, seed: 1);
        Assert.Equal(45, sampledAp.Length + sampledAn.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SameSeedAndThreads_GiveIdenticalRuns(int threads)
    {
        using var a = new TestFolder();
        using var b = new TestFolder();
        using var data = SyntheticData.Clusters();
        var ra = new Trainer(Small(a.Path, 2) with { Threads = threads }).Fit(data);
        var rb = new Trainer(Small(b.Path, 2) with { Threads = threads }).Fit(data);
        Assert.Equal(ra.History.Select(h => (h.Loss, h.Metrics)), rb.History.Select(h => (h.Loss, h.Metrics)));
        Assert.Equal(Reliability.MetricsJson.NumbersText(new RunFolder(a.Path).MetricsPath), Reliability.MetricsJson.NumbersText(new RunFolder(b.Path).MetricsPath));
        Assert.Equal(WeightsOf(a.Path), WeightsOf(b.Path));
    }

    [Fact]
    public void InterruptedAndResumed_EqualsUninterrupted()
    {
        using var whole = new TestFolder();
        using var parts = new TestFolder();
        using var data = SyntheticData.Clusters();
        var reference = new Trainer(Small(whole.Path)).Fit(data);

        // Stop mid-epoch 2 (after batch 2 of 5), then resume.
        using var cts = new CancellationTokenSource();
        var first = new Trainer(Small(parts.Path));
        first.BatchCompleted += (_, p) => { if (p.Epoch == 2 && p.Batch == 2) cts.Cancel(); };
        var stopped = first.Fit(data, null, cts.Token);
        Assert.Equal(TrainingStatus.Interrupted, stopped.Status);
        Assert.Equal(2, stopped.StoppedEpoch);
        Assert.Equal(2, stopped.StoppedBatch);
        Assert.False(File.Exists(new RunFolder(parts.Path).MetricsPath));
        Assert.Equal(2, File.ReadAllLines(new RunFolder(parts.Path).HistoryPath).Length);

        var messages = new List<string>();
        var second = new Trainer(Small(parts.Path) with { Resume = true });
        second.Message += (_, m) => messages.Add(m);
        var resumed = second.Fit(data);
        Assert.Equal(TrainingStatus.Completed, resumed.Status);
        Assert.Contains(messages, m => m.Contains("epoch 2, batch 3"));
        AssertSameRun(reference, whole.Path, resumed, parts.Path);
    }

    [Fact]
    public void CrashBetweenCheckpoints_ResumesFromTheLastOne_AndEqualsUninterrupted()
    {
        using var whole = new TestFolder();
        using var parts = new TestFolder();
        using var data = SyntheticData.Clusters();
        var options = Small(whole.Path) with { CheckpointEveryBatches = 2 };
        var reference = new Trainer(options).Fit(data);

        // A crash (an exception out of a handler) after batch 4 of epoch 3: on disk is the checkpoint after batch 2.
        var crashing = new Trainer(options with { OutputDirectory = parts.Path });
        crashing.BatchCompleted += (_, p) => { if (p.Epoch == 3 && p.Batch == 3) throw new InvalidOperationException("simulated crash"); };
        Assert.Throws<InvalidOperationException>(() => crashing.Fit(data));
        var resumed = new Trainer(options with { OutputDirectory = parts.Path, Resume = true }).Fit(data);
        AssertSameRun(reference, whole.Path, resumed, parts.Path);

        // Resuming a complete run is a no-op that reports completion.
        var again = new Trainer(options with { OutputDirectory = parts.Path, Resume = true }).Fit(data);
        Assert.Equal(TrainingStatus.Completed, again.Status);
        Assert.Equal(resumed.BestEpoch, again.BestEpoch);
    }

    private static void AssertSameRun(TrainingResult a, string dirA, TrainingResult b, string dirB)
    {
        Assert.Equal(a.History.Select(h => (h.Epoch, h.Loss, h.ActiveFraction, h.Metrics)), b.History.Select(h => (h.Epoch, h.Loss, h.ActiveFraction, h.Metrics)));
        Assert.Equal(a.BestEpoch, b.BestEpoch);
        Assert.Equal(Reliability.MetricsJson.NumbersText(new RunFolder(dirA).MetricsPath), Reliability.MetricsJson.NumbersText(new RunFolder(dirB).MetricsPath));
        Assert.Equal(WeightsOf(dirA), WeightsOf(dirB));
        var ha = File.ReadAllLines(new RunFolder(dirA).HistoryPath).Select(StripSeconds);
        var hb = File.ReadAllLines(new RunFolder(dirB).HistoryPath).Select(StripSeconds);
        Assert.Equal(ha, hb);
    }

    private static string StripSeconds(string csvLine) => string.Join(',', csvLine.Split(',').Take(EpochRecord.CsvHeader.Split(',').Length - 5));

    private static byte[] WeightsOf(string runDir) =>
        File.ReadAllBytes(Directory.GetFiles(Path.Combine(runDir, "model"), "weights-*.bin").Single());

    [Fact]
    public void MeasureFloor_RecordsTheFloorWithoutChangingTraining()
    {
        using var plain = new TestFolder();
        using var floor = new TestFolder();
        using var data = SyntheticData.Clusters();
        var a = new Trainer(Small(plain.Path, 2)).Fit(data);
        var b = new Trainer(Small(floor.Path, 2) with { MeasureFloor = true }).Fit(data);
        Assert.All(a.History, h => Assert.Null(h.FloorSeconds));
        Assert.All(b.History, h => Assert.True(h.FloorSeconds > 0));
        Assert.Equal(a.History.Select(h => h.Metrics), b.History.Select(h => h.Metrics));
        var last = File.ReadAllLines(Path.Combine(floor.Path, "history.csv"))[^1].Split(',');
        Assert.NotEqual("", last[^1]);
    }

    [Fact]
    public void MeasureFloor_AcrossAResume_IsCompleteOrAbsent()
    {
        using var dir = new TestFolder();
        using var data = SyntheticData.Clusters();
        // Interrupted in epoch 2 while measuring: the resumed epoch keeps the floor of its first batches and adds the rest.
        using (var cts = new CancellationTokenSource())
        {
            var first = new Trainer(Small(dir["a"]) with { MeasureFloor = true });
            first.BatchCompleted += (_, p) => { if (p.Epoch == 2 && p.Batch == 2) cts.Cancel(); };
            Assert.Equal(TrainingStatus.Interrupted, first.Fit(data, cancellationToken: cts.Token).Status);
        }
        var resumed = new Trainer(Small(dir["a"]) with { MeasureFloor = true, Resume = true }).Fit(data);
        Assert.All(resumed.History, h => Assert.True(h.FloorSeconds > 0));

        // Interrupted in epoch 2 without measuring: that epoch has no complete floor, so none is reported; later ones have one.
        using (var cts = new CancellationTokenSource())
        {
            var first = new Trainer(Small(dir["b"]));
            first.BatchCompleted += (_, p) => { if (p.Epoch == 2 && p.Batch == 2) cts.Cancel(); };
            Assert.Equal(TrainingStatus.Interrupted, first.Fit(data, cancellationToken: cts.Token).Status);
        }
        var late = new Trainer(Small(dir["b"]) with { MeasureFloor = true, Resume = true }).Fit(data);
        Assert.Equal([false, false, true], late.History.Select(h => h.FloorSeconds is not null));
    }

    [Fact]
    public void ExistingRun_IsNotOverwritten_WithoutResume()
    {
        using var dir = new TestFolder();
        using var data = SyntheticData.Clusters();
        new Trainer(Small(dir.Path, 1)).Fit(data);
        var before = File.ReadAllBytes(Path.Combine(dir.Path, "checkpoint", "checkpoint.json"));
        var e = Assert.Throws<ArgumentException>(() => new Trainer(Small(dir.Path, 1)).Fit(data));
        Assert.Contains("already holds a training run", e.Message);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir.Path, "checkpoint", "checkpoint.json")));
    }

    [Fact]
    public void ResumeWithOtherOptions_IsRejectedNamingThem()
    {
        using var dir = new TestFolder();
        using var data = SyntheticData.Clusters();
        new Trainer(Small(dir.Path, 1)).Fit(data);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(Small(dir.Path, 1) with { Resume = true, Margin = 0.5 }).Fit(data));
        Assert.Contains("margin", e.Message);
        // Other threads are allowed.
        var ok = new Trainer(Small(dir.Path, 1) with { Resume = true, Threads = 2 }).Fit(data);
        Assert.Equal(TrainingStatus.Completed, ok.Status);
    }

    [Fact]
    public void OptionsThatContradictTheData_AreRejectedBeforeAnythingIsWritten()
    {
        using var dir = new TestFolder();
        using var data = SyntheticData.Clusters(classes: 4, trainPerClass: 3);
        var p = Assert.Throws<ArgumentException>(() => new Trainer(Small(dir["a"]) with { ClassesPerBatch = 5 }).Fit(data));
        Assert.Equal(nameof(TrainerOptions.ClassesPerBatch), p.ParamName);
        Assert.Contains("only 4 classes", p.Message);
        var pk = Assert.Throws<ArgumentException>(() => new Trainer(Small(dir["b"]) with { SamplesPerClass = 4 }).Fit(data));
        Assert.Contains("larger than the 12 training items", pk.Message);
        var conv = Assert.Throws<ArgumentException>(() => new Trainer(Small(dir["c"]) with { Model = ModelKind.ConvNet }).Fit(data));
        Assert.Contains("needs images", conv.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    /// <summary>A linear embedding that returns NaN (or a NaN gradient) from a chosen training forward pass on.</summary>
    private sealed class Poisoned : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear linear;
        private readonly int poisonAt;
        private readonly bool gradientOnly;
        private int calls;

        public Poisoned(long inputs, int poisonAt, bool gradientOnly) : base(nameof(Poisoned))
        {
            linear = nn.Linear(inputs, 4);
            this.poisonAt = poisonAt;
            this.gradientOnly = gradientOnly;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            var y = nn.functional.normalize(linear.forward(input), p: 2, dim: 1);
            if (!training || ++calls < poisonAt) return y;
            if (!gradientOnly) return y * double.NaN;
            // Finite value, NaN gradient: sqrt(-1) sits in the branch that where() discards.
            var bad = (y.neg() - 1).sqrt();
            return torch.where(torch.ones_like(y).to_type(ScalarType.Bool), y, bad);
        }
    }

    [Theory]
    [InlineData(false, "loss")]
    [InlineData(true, "gradient")]
    public void NonFiniteLossOrGradient_StopsNamingEpochAndBatch_AndKeepsTheLastCheckpoint(bool gradientOnly, string quantity)
    {
        using var dir = new TestFolder();
        using var data = SyntheticData.Clusters();
        // Forward passes during training: 5 per epoch; pass 8 is epoch 2, batch 3.
        var trainer = new Trainer(Small(dir.Path), shape => new Poisoned(shape[0], 8, gradientOnly));
        var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(data));
        Assert.Equal(quantity, e.Quantity);
        Assert.Equal(2, e.Epoch);
        Assert.Equal(3, e.Batch);
        Assert.Contains("epoch 2, batch 3", e.Message);
        Assert.Contains("after epoch 1", e.Message);
        var checkpoint = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "checkpoint", "checkpoint.json")))!;
        Assert.Equal(1, checkpoint["epoch"]!.GetValue<int>());
        Assert.Equal(0, checkpoint["next_batch"]!.GetValue<int>());
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir.Path, "history.csv")).Length);
        Assert.False(File.Exists(Path.Combine(dir.Path, "metrics.json")));
        // The kept model is the good one of epoch 1: it loads (as a custom module) and embeds finitely.
        using var model = ModelBundle.Load(Path.Combine(dir.Path, "model"), new Poisoned(8, int.MaxValue, false));
        Assert.Equal(ModelKind.Custom, model.Architecture.Kind);
        using var emb = model.Embed(data.Test);
        Assert.True(emb.isfinite().all().item<bool>());
    }

    [Fact]
    public void CustomModule_TrainsThroughTheLibrary_AndNeedsTheModuleToLoad()
    {
        using var dir = new TestFolder();
        using var data = SyntheticData.Clusters();
        var result = new Trainer(Small(dir.Path, 1), shape => new Poisoned(shape[0], int.MaxValue, false)).Fit(data);
        Assert.Equal(TrainingStatus.Completed, result.Status);
        var e = Assert.Throws<ModelFormatException>(() => ModelBundle.Load(Path.Combine(dir.Path, "model")));
        Assert.Contains("custom", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void LiveTensorCount_StaysFlatAcrossBatches()
    {
        using var dir = new TestFolder();
        using var data = SyntheticData.Clusters();
        var live = new List<long>();
        var trainer = new Trainer(Small(dir.Path, 2) with { BatchesPerEpoch = 12 });
        trainer.BatchCompleted += (_, p) => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        trainer.Fit(data);
        // After warm-up (optimiser state appears at the first step), the count must not grow batch over batch.
        Assert.Equal(live[2], live[11]);
        Assert.Equal(live[13], live[23]);
    }
}
