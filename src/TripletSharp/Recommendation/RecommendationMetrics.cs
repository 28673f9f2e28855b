using System.Text.Json;
using TripletSharp.Data;

namespace TripletSharp.Recommendation;

/// <summary>
/// What a recommendation run measured (its <c>metrics.json</c>): the data and split counts, the training time, and the
/// ranking metrics of the trained model and the baselines side by side, all on the same split.
/// </summary>
public sealed record RecommendationMetrics
{
    /// <summary>Always <c>interactions</c> (tells this file from an embedding run's).</summary>
    public string Kind { get; init; } = "interactions";

    /// <summary>The data file.</summary>
    public string Source { get; init; } = "";

    /// <summary>The split.</summary>
    public InteractionsSplitMode Split { get; init; }

    /// <summary>Users in the file.</summary>
    public int Users { get; init; }

    /// <summary>Items in the file.</summary>
    public int Items { get; init; }

    /// <summary>Distinct (user, item) interactions.</summary>
    public int Interactions { get; init; }

    /// <summary>Positive interactions.</summary>
    public int Positives { get; init; }

    /// <summary>Training positives.</summary>
    public int TrainPositives { get; init; }

    /// <summary>Held-out positives.</summary>
    public int TestPositives { get; init; }

    /// <summary>Users evaluated.</summary>
    public int EvaluatedUsers { get; init; }

    /// <summary>Rows that repeated a (user, item) pair (the latest kept).</summary>
    public int DuplicateRows { get; init; }

    /// <summary>Rows earlier in time than the row before them.</summary>
    public int OutOfOrderRows { get; init; }

    /// <summary>Users with no positive interaction (skipped).</summary>
    public int UsersWithoutPositives { get; init; }

    /// <summary>Users the split would have left without a training positive (not evaluated).</summary>
    public int UsersWithoutTraining { get; init; }

    /// <summary>Training wall time of the model, in seconds.</summary>
    public double TrainingSeconds { get; init; }

    /// <summary>Epochs trained.</summary>
    public int Epochs { get; init; }

    /// <summary>Mean hinge loss of the last epoch.</summary>
    public double FinalLoss { get; init; }

    /// <summary>The trained model first, then the baselines.</summary>
    public IReadOnlyList<RecommenderMetrics> Recommenders { get; init; } = [];

    /// <summary>Counts of <paramref name="split"/>, without metrics.</summary>
    public static RecommendationMetrics Describe(InteractionsSplit split) => new()
    {
        Source = split.Data.Source,
        Split = split.Mode,
        Users = split.Data.UserCount,
        Items = split.Data.ItemCount,
        Interactions = split.Data.Count,
        Positives = split.Data.PositiveCount,
        TrainPositives = split.TrainPositiveCount,
        TestPositives = split.TestPositiveCount,
        EvaluatedUsers = split.EvaluatedUsers.Length,
        DuplicateRows = split.Data.DuplicateRows,
        OutOfOrderRows = split.Data.OutOfOrderRows,
        UsersWithoutPositives = split.UsersWithoutPositives,
        UsersWithoutTraining = split.UsersWithoutTraining,
    };

    /// <summary>The metrics as the JSON of <c>metrics.json</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonDefaults.Options);

    /// <summary>Writes the metrics as JSON, atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(this, JsonDefaults.Options));

    /// <summary>Reads metrics written by <see cref="Save"/>.</summary>
    public static RecommendationMetrics Load(string path) =>
        JsonSerializer.Deserialize<RecommendationMetrics>(File.ReadAllBytes(path), JsonDefaults.Options) ?? throw new DataFormatException(path, "empty metrics file.");
}
