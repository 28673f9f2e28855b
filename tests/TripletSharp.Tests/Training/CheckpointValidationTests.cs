using TripletSharp.Models;
using TripletSharp.Training;

namespace TripletSharp.Tests.Training;

/// <summary>A tampered checkpoint.json is refused field by field (exit 4 in the tool), never trusted.</summary>
public class CheckpointValidationTests
{
    private const int Epochs = 3, Batches = 4;

    private static Checkpoint Good() => new()
    {
        Epoch = 1,
        NextBatch = 2,
        GlobalStep = 6,
        EpochLossSum = 0.8,
        EpochTriplets = 100,
        EpochActive = 40,
        EpochTrainSeconds = 0.5,
        BestEpoch = 1,
        BestScore = 0.4,
        DataFingerprint = "abc",
        History = [new EpochRecord { Epoch = 1, Loss = 0.3, ActiveFraction = 0.5 }],
    };

    public static TheoryData<string, string> Mutations() => new()
    {
        { "epoch 99", "epoch" },
        { "epoch -1", "epoch" },
        { "next_batch 9999", "next_batch" },
        { "next_batch -5", "next_batch" },
        { "global_step -100", "global_step" },
        { "epoch_loss_sum NaN", "epoch_loss_sum" },
        { "epoch_loss_sum -1", "epoch_loss_sum" },
        { "epoch_triplets 0", "epoch_active" },
        { "epoch_active -1", "epoch_active" },
        { "epoch_train_seconds Infinity", "epoch_train_seconds" },
        { "epoch_floor_seconds -1", "epoch_floor_seconds" },
        { "history null", "history" },
        { "history []", "history" },
        { "history row epoch 5", "history" },
        { "history loss NaN", "history" },
        { "best_epoch 7", "best_epoch" },
        { "best_score NaN", "best_score" },
        { "data_fingerprint empty", "data_fingerprint" },
        { "done with next_batch", "next_batch" },
        { "epoch start with sums", "epoch_loss_sum" },
    };

    [Fact]
    public void AnIntactCheckpointPasses()
    {
        Good().Validate("c.json", Epochs, Batches);
        var done = Good();
        done.Epoch = 3; done.NextBatch = 0; done.GlobalStep = 12; done.EpochLossSum = 0; done.EpochTriplets = 0; done.EpochActive = 0;
        done.History = [.. Enumerable.Range(1, 3).Select(e => new EpochRecord { Epoch = e, Loss = 0.2, ActiveFraction = 0.1 })];
        done.Validate("c.json", Epochs, Batches);
    }

    [Theory]
    [MemberData(nameof(Mutations))]
    public void EachTamperedFieldIsAModelErrorNamingFileAndField(string mutation, string field)
    {
        var c = Good();
        switch (mutation)
        {
            case "epoch 99": c.Epoch = 99; break;
            case "epoch -1": c.Epoch = -1; break;
            case "next_batch 9999": c.NextBatch = 9999; break;
            case "next_batch -5": c.NextBatch = -5; break;
            case "global_step -100": c.GlobalStep = -100; break;
            case "epoch_loss_sum NaN": c.EpochLossSum = double.NaN; break;
            case "epoch_loss_sum -1": c.EpochLossSum = -1; break;
            case "epoch_triplets 0": c.EpochTriplets = 0; break;
            case "epoch_active -1": c.EpochActive = -1; break;
            case "epoch_train_seconds Infinity": c.EpochTrainSeconds = double.PositiveInfinity; break;
            case "epoch_floor_seconds -1": c.EpochFloorSeconds = -1; break;
            case "history null": c.History = null!; break;
            case "history []": c.History = []; break;
            case "history row epoch 5": c.History[0] = c.History[0] with { Epoch = 5 }; break;
            case "history loss NaN": c.History[0] = c.History[0] with { Loss = double.NaN }; break;
            case "best_epoch 7": c.BestEpoch = 7; break;
            case "best_score NaN": c.BestScore = double.NaN; break;
            case "data_fingerprint empty": c.DataFingerprint = ""; break;
            case "done with next_batch": c.Epoch = 3; c.GlobalStep = 14; c.History = [.. Enumerable.Range(1, 3).Select(e => new EpochRecord { Epoch = e })]; break;
            case "epoch start with sums": c.NextBatch = 0; c.GlobalStep = 4; break;
        }
        var e = Assert.Throws<ModelFormatException>(() => c.Validate("/runs/r/checkpoint/checkpoint.json", Epochs, Batches));
        Assert.Contains("/runs/r/checkpoint/checkpoint.json", e.Message);
        Assert.Contains($"field '{field}'", e.Message);
    }
}
