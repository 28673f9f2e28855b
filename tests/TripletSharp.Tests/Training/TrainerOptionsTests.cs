using TripletSharp.Components;
using TripletSharp.Training;

namespace TripletSharp.Tests.Training;

public class TrainerOptionsTests
{
    public static TheoryData<TrainerOptions, string> Invalid => new()
    {
        { new TrainerOptions { Epochs = 0 }, nameof(TrainerOptions.Epochs) },
        { new TrainerOptions { ClassesPerBatch = 1 }, nameof(TrainerOptions.ClassesPerBatch) },
        { new TrainerOptions { SamplesPerClass = 1 }, nameof(TrainerOptions.SamplesPerClass) },
        { new TrainerOptions { BatchesPerEpoch = 0 }, nameof(TrainerOptions.BatchesPerEpoch) },
        { new TrainerOptions { Miner = "hardest" }, nameof(TrainerOptions.Miner) },
        { new TrainerOptions { Distance = "manhattan" }, nameof(TrainerOptions.Distance) },
        { new TrainerOptions { Reducer = "max" }, nameof(TrainerOptions.Reducer) },
        { new TrainerOptions { Margin = -0.1 }, nameof(TrainerOptions.Margin) },
        { new TrainerOptions { Margin = double.NaN }, nameof(TrainerOptions.Margin) },
        { new TrainerOptions { LearningRate = 0 }, nameof(TrainerOptions.LearningRate) },
        { new TrainerOptions { LearningRate = double.PositiveInfinity }, nameof(TrainerOptions.LearningRate) },
        { new TrainerOptions { Momentum = 1.5 }, nameof(TrainerOptions.Momentum) },
        { new TrainerOptions { WeightDecay = -1 }, nameof(TrainerOptions.WeightDecay) },
        { new TrainerOptions { StepEpochs = 0 }, nameof(TrainerOptions.StepEpochs) },
        { new TrainerOptions { StepGamma = 0 }, nameof(TrainerOptions.StepGamma) },
        { new TrainerOptions { Threads = 0 }, nameof(TrainerOptions.Threads) },
        { new TrainerOptions { EmbeddingDim = 0 }, nameof(TrainerOptions.EmbeddingDim) },
        { new TrainerOptions { HiddenSizes = [16, -1] }, nameof(TrainerOptions.HiddenSizes) },
        { new TrainerOptions { EvalBatchSize = 0 }, nameof(TrainerOptions.EvalBatchSize) },
        { new TrainerOptions { CheckpointEveryBatches = -1 }, nameof(TrainerOptions.CheckpointEveryBatches) },
        { new TrainerOptions { Resume = true }, nameof(TrainerOptions.OutputDirectory) },
        { new TrainerOptions { Model = TripletSharp.Models.ModelKind.Custom }, nameof(TrainerOptions.Model) },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_NamesTheBadOption(TrainerOptions options, string name)
    {
        var e = Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.Equal(name, e.ParamName);
        Assert.Contains($"'{name}'", e.Message);
        Assert.ThrowsAny<ArgumentException>(() => new Trainer(options));
    }

    [Fact]
    public void Defaults_AreValid() => new TrainerOptions().Validate();

    [Fact]
    public void LearningRateSchedules_FollowTheirFormulas()
    {
        var cosine = new TrainerOptions { LearningRate = 0.1, Schedule = LearningRateSchedule.Cosine, Epochs = 4 };
        Assert.Equal(0.1, cosine.LearningRateAt(0, 0, 100), 12);
        Assert.Equal(0.05, cosine.LearningRateAt(2, 50, 100), 12);
        Assert.Equal(0.1 * 0.5 * (1 + Math.Cos(Math.PI * 0.25)), cosine.LearningRateAt(1, 25, 100), 12);
        Assert.Equal(0.0, cosine.LearningRateAt(3, 100, 100), 12);

        var step = new TrainerOptions { LearningRate = 1, Schedule = LearningRateSchedule.Step, Epochs = 9, StepGamma = 0.5 };
        Assert.Equal(1, step.LearningRateAt(2, 0, 1));   // default step: every 3 epochs
        Assert.Equal(0.5, step.LearningRateAt(3, 0, 1));
        Assert.Equal(0.25, step.LearningRateAt(8, 0, 1));
        Assert.Equal(0.5, (step with { StepEpochs = 1 }).LearningRateAt(1, 0, 1));

        Assert.Equal(0.3, new TrainerOptions { LearningRate = 0.3, Schedule = LearningRateSchedule.Constant }.LearningRateAt(5, 77, 100));
        Assert.Equal(LearningRateSchedule.Cosine, new TrainerOptions().Schedule);
    }

    [Fact]
    public void MixSeed_IsDeterministic_NonNegative_AndDistinctPerPosition()
    {
        var seen = new HashSet<long>();
        for (int s = 0; s < 3; s++)
            for (int e = 0; e < 10; e++)
                for (int b = 0; b < 50; b++)
                {
                    long v = Trainer.MixSeed(s, e, b);
                    Assert.True(v >= 0);
                    Assert.Equal(v, Trainer.MixSeed(s, e, b));
                    Assert.True(seen.Add(v));
                }
    }

    [Fact]
    public void Factory_KnowsEveryListedName_AndRejectsOthers()
    {
        foreach (var d in ComponentRegistry.DistanceNames) Assert.Equal(d, ComponentRegistry.CreateDistance(d).Name);
        foreach (var r in ComponentRegistry.ReducerNames) Assert.NotNull(ComponentRegistry.CreateReducer(r));
        var e = Assert.Throws<ArgumentException>(() => ComponentRegistry.CreateDistance("l1"));
        Assert.Contains("euclidean, squared-euclidean, cosine, dot", e.Message);
        Assert.Throws<ArgumentException>(() => ComponentRegistry.CreateMiner("nope", 0.2, ComponentRegistry.CreateDistance("euclidean")));
        Assert.True(ComponentRegistry.IsStochasticMiner("random"));
        Assert.False(ComponentRegistry.IsStochasticMiner("semihard"));
    }

    [Fact]
    public void HistoryCsv_HasOneColumnPerHeaderField_AndEmptyCellsForMissingValues()
    {
        var row = new EpochRecord { Epoch = 2, Loss = 0.5, ActiveFraction = 0.25, TripletsPerBatch = 10, LearningRate = 1e-3, TrainSeconds = 1.23456, EvalSeconds = 0.5 };
        var header = EpochRecord.CsvHeader.Split(',');
        var cells = row.ToCsvRow().Split(',');
        Assert.Equal(header.Length, cells.Length);
        Assert.Equal("2", cells[0]);
        Assert.Equal("0.5", cells[Array.IndexOf(header, "loss")]);
        Assert.Equal("", cells[Array.IndexOf(header, "map_at_r")]);
        Assert.Equal("1.235", cells[Array.IndexOf(header, "train_seconds")]);
        Assert.Equal("1.735", cells[Array.IndexOf(header, "seconds")]);
        Assert.Equal("", cells[^1]);
        foreach (var key in new[] { "precision_at_1", "r_precision", "map_at_r", "recall_at_1", "recall_at_2", "recall_at_4", "recall_at_8", "nmi", "knn_accuracy", "active_fraction" })
            Assert.Contains(key, header);
    }
}
