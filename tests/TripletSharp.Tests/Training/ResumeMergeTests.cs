using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Training;

namespace TripletSharp.Tests.Training;

/// <summary>The resume policy: the saved configuration is the base; options given again must match it, except those that may differ.</summary>
public class ResumeMergeTests
{
    private static readonly TrainerOptions Saved = new()
    {
        Epochs = 3, Miner = "batch-hard", Margin = 0.3, LearningRate = 0.001, Model = ModelKind.Mlp, HiddenSizes = [32, 16],
        BatchesPerEpoch = 7, Threads = 4, Seed = 5, CheckpointEveryBatches = 2, OutputDirectory = "/runs/a",
    };

    private static readonly DataOptions SavedData = new() { Path = "data/x.csv", MaxTrainItems = 200, Seed = 5, LabelColumn = "y" };

    [Fact]
    public void OptionsNotGiven_KeepTheSavedValues_EvenWhereTheRequestHoldsDefaults()
    {
        var merged = ResumeMerge.Merge(Saved, new TrainerOptions { Resume = true, OutputDirectory = "/runs/a" }, [nameof(TrainerOptions.Resume), nameof(TrainerOptions.OutputDirectory)]);
        Assert.Equal(Saved with { Resume = true }, merged);
        Assert.Equal([32, 16], merged.HiddenSizes);
        Assert.Equal(4, merged.Threads);
        Assert.Equal(7, merged.BatchesPerEpoch);
        Assert.True(merged.Resume);
    }

    [Fact]
    public void OptionsGivenAgainWithTheSameValue_AreAccepted_ArraysByValue()
    {
        var requested = new TrainerOptions { Epochs = 3, Margin = 0.3, LearningRate = 1e-3, HiddenSizes = [32, 16], Model = ModelKind.Mlp };
        var merged = ResumeMerge.Merge(Saved, requested, ["Epochs", "Margin", "LearningRate", "HiddenSizes", "Model"]);
        Assert.Equal(3, merged.Epochs);
        Assert.Equal("batch-hard", merged.Miner);
    }

    [Theory]
    [InlineData("Threads")]
    [InlineData("CheckpointEveryBatches")]
    [InlineData("MeasureFloor")]
    [InlineData("OutputDirectory")]
    public void ExecutionOptions_MayDiffer_AndTheGivenValueWins(string name)
    {
        var requested = new TrainerOptions { Threads = 1, CheckpointEveryBatches = 9, MeasureFloor = true, OutputDirectory = "/elsewhere" };
        var merged = ResumeMerge.Merge(Saved, requested, [name]);
        var property = typeof(TrainerOptions).GetProperty(name)!;
        Assert.Equal(property.GetValue(requested), property.GetValue(merged));
        Assert.Equal(3, merged.Epochs);
    }

    [Theory]
    [InlineData("Epochs", "'Epochs' is 12, but the run being resumed was started with 3")]
    [InlineData("Miner", "'Miner' is 'semihard', but the run being resumed was started with 'batch-hard'")]
    [InlineData("HiddenSizes", "'HiddenSizes' is 256,128, but the run being resumed was started with 32,16")]
    [InlineData("Seed", "'Seed' is 0, but the run being resumed was started with 5")]
    public void ConflictingOptions_AreRefused_NamingTheOption(string name, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => ResumeMerge.Merge(Saved, new TrainerOptions(), [name]));
        Assert.Equal(name, e.ParamName);
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void AnAutomaticValue_TakesTheOneTheSavedRunResolvedTo()
    {
        var merged = ResumeMerge.Merge(Saved, new TrainerOptions { Model = null, BatchesPerEpoch = null }, ["Model", "BatchesPerEpoch"]);
        Assert.Equal(ModelKind.Mlp, merged.Model);
        Assert.Equal(7, merged.BatchesPerEpoch);
    }

    [Fact]
    public void DataOptions_FollowTheSameRule_PathsComparedAsFullPaths()
    {
        var requested = new DataOptions { Path = Path.GetFullPath("data/x.csv"), MaxTrainItems = 200 };
        var merged = ResumeMerge.Merge(SavedData, requested, ["Path", "MaxTrainItems"]);
        Assert.Equal(Path.GetFullPath("data/x.csv"), merged.Path);
        Assert.Equal("y", merged.LabelColumn);
        Assert.Equal(5, merged.Seed);
        Assert.NotSame(SavedData, merged);

        var e = Assert.Throws<ArgumentException>(() => ResumeMerge.Merge(SavedData, new DataOptions { MaxTrainItems = 100 }, ["MaxTrainItems"]));
        Assert.Equal("MaxTrainItems", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => ResumeMerge.Merge(SavedData, new DataOptions { Path = "data/other.csv" }, ["Path"]));
        Assert.Equal("Path", e.ParamName);
    }

    [Fact]
    public void RunConfig_AGivenNameSharedByBothTypes_IsCheckedInBoth_AndTheRestOfTheConfigIsKept()
    {
        var saved = new RunConfig { Trainer = Saved, Data = SavedData, Version = "1.2.3" };
        var merged = ResumeMerge.Merge(saved, new TrainerOptions { Seed = 5, Threads = 2 }, new DataOptions { Seed = 5 }, ["Seed", "Threads"]);
        Assert.Equal("1.2.3", merged.Version);
        Assert.Equal(2, merged.Trainer.Threads);
        Assert.Equal(200, merged.Data.MaxTrainItems);

        var e = Assert.Throws<ArgumentException>(() => ResumeMerge.Merge(saved, Saved, new DataOptions { Seed = 6 }, ["Seed"], "/runs/a/config.json"));
        Assert.Equal("Seed", e.ParamName);
        Assert.StartsWith("'Seed' is 6, but the run being resumed was started with 5 (/runs/a/config.json);", e.Message);
    }
}
