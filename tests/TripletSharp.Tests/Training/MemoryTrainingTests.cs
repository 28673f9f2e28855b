using System.Text.Json.Nodes;
using TripletSharp.Models;
using TripletSharp.Tests.Models;
using TripletSharp.Training;

namespace TripletSharp.Tests.Training;

/// <summary>The trainer with a cross-batch memory: options, config.json, and exact resume with the memory checkpointed.</summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class MemoryTrainingTests
{
    private static TrainerOptions Small(string outDir, int memory = 40, int warmup = 3) => new()
    {
        Epochs = 3,
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
        MemorySize = memory,
        MemoryWarmupBatches = warmup,
    };

    [Fact]
    public void InterruptedAndResumedWithMemory_EqualsUninterrupted()
    {
        using var whole = new TestFolder();
        using var parts = new TestFolder();
        using var plain = new TestFolder();
        using var data = SyntheticData.Clusters();
        var reference = new Trainer(Small(whole.Path)).Fit(data);
        var config = JsonNode.Parse(File.ReadAllText(new RunFolder(whole.Path).ConfigPath))!;
        Assert.Equal(40, (int)config["trainer"]!["memory_size"]!);
        Assert.Equal(3, (int)config["trainer"]!["memory_warmup_batches"]!);

        // The memory changes training (after the warm-up), so equality below is not vacuous.
        var without = new Trainer(Small(plain.Path, memory: 0)).Fit(data);
        Assert.NotEqual(reference.History.Select(h => h.Loss), without.History.Select(h => h.Loss));

        // Stop mid-epoch 2 (memory full and wrapped around: 6 batches × 16 > 40), then resume.
        using var cts = new CancellationTokenSource();
        var first = new Trainer(Small(parts.Path));
        first.BatchCompleted += (_, p) => { if (p.Epoch == 2 && p.Batch == 2) cts.Cancel(); };
        Assert.Equal(TrainingStatus.Interrupted, first.Fit(data, null, cts.Token).Status);
        var checkpoint = Path.Combine(new RunFolder(parts.Path).CheckpointDirectory);
        Assert.Single(Directory.GetFiles(checkpoint, "memory-*.bin"));
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(checkpoint, "checkpoint.json")))!["memory"]!;
        Assert.Equal(40, (int)saved["count"]!);
        Assert.Equal(7 * 16 % 40, (int)saved["next_slot"]!);

        var resumed = new Trainer(Small(parts.Path) with { Resume = true }).Fit(data);
        Assert.Equal(TrainingStatus.Completed, resumed.Status);
        Assert.Equal(reference.History.Select(h => (h.Epoch, h.Loss, h.ActiveFraction, h.Metrics)), resumed.History.Select(h => (h.Epoch, h.Loss, h.ActiveFraction, h.Metrics)));
        Assert.Equal(Reliability.MetricsJson.NumbersText(new RunFolder(whole.Path).MetricsPath), Reliability.MetricsJson.NumbersText(new RunFolder(parts.Path).MetricsPath));
        Assert.Equal(WeightsOf(whole.Path), WeightsOf(parts.Path));
    }

    [Fact]
    public void CorruptMemoryFile_IsAClearErrorOnResume()
    {
        using var parts = new TestFolder();
        using var data = SyntheticData.Clusters();
        using var cts = new CancellationTokenSource();
        var first = new Trainer(Small(parts.Path));
        first.BatchCompleted += (_, p) => { if (p.Epoch == 2 && p.Batch == 1) cts.Cancel(); };
        first.Fit(data, null, cts.Token);
        var file = Directory.GetFiles(new RunFolder(parts.Path).CheckpointDirectory, "memory-*.bin").Single();
        var bytes = File.ReadAllBytes(file);
        bytes[3] ^= 0x40;
        File.WriteAllBytes(file, bytes);
        var e = Assert.Throws<ModelFormatException>(() => new Trainer(Small(parts.Path) with { Resume = true }).Fit(data));
        Assert.Contains("memory-", e.Message);
    }

    [Theory]
    [InlineData("facenet-semihard")]
    [InlineData("random")]
    [InlineData("distance-weighted")]
    public void MinersWithoutMemorySupport_AreRefusedByName(string miner)
    {
        var e = Assert.Throws<ArgumentException>(() => (Small("x") with { Miner = miner }).Validate());
        Assert.Equal(nameof(TrainerOptions.Miner), e.ParamName);
        Assert.Contains(miner, e.Message);
        (Small("x") with { Miner = miner, MemorySize = 0 }).Validate();
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small("x") with { MemorySize = -1 }).Validate());
        Assert.Throws<ArgumentException>(() => (Small("x") with { SoftMargin = true }).Validate());
        (Small("x") with { SoftMargin = true, Miner = "batch-hard" }).Validate();
    }

    private static byte[] WeightsOf(string runDir) =>
        File.ReadAllBytes(Directory.GetFiles(Path.Combine(runDir, "model"), "weights-*.bin").Single());
}
