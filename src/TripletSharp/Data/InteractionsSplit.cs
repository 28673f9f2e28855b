namespace TripletSharp.Data;

/// <summary>Interactions split into a training part and held-out positives, per user (item indices).</summary>
public sealed class InteractionsSplit
{
    /// <summary>Creates the split; the arrays are kept, not copied.</summary>
    public InteractionsSplit(Interactions data, InteractionsSplitMode mode, int[][] trainPositives, int[][] seen, int[][] testPositives, int usersWithoutPositives, int usersWithoutTraining)
    {
        Data = data;
        Mode = mode;
        TrainPositives = trainPositives;
        Seen = seen;
        TestPositives = testPositives;
        UsersWithoutPositives = usersWithoutPositives;
        UsersWithoutTraining = usersWithoutTraining;
    }

    /// <summary>The interactions split.</summary>
    public Interactions Data { get; }

    /// <summary>How they were split.</summary>
    public InteractionsSplitMode Mode { get; }

    /// <summary>Per user, the training positives (the pairs the model learns from), in time order.</summary>
    public int[][] TrainPositives { get; }

    /// <summary>Per user, every training interaction whatever its rating: the items excluded from that user's recommendations.</summary>
    public int[][] Seen { get; }

    /// <summary>Per user, the held-out positives (empty: the user is not evaluated).</summary>
    public int[][] TestPositives { get; }

    /// <summary>Users with no positive interaction at all: skipped (they train nothing and are not evaluated).</summary>
    public int UsersWithoutPositives { get; }

    /// <summary>Users whose held-out positives would have left no training positive: not evaluated (their positives train).</summary>
    public int UsersWithoutTraining { get; }

    /// <summary>Users with held-out positives.</summary>
    public int[] EvaluatedUsers => Enumerable.Range(0, TestPositives.Length).Where(u => TestPositives[u].Length > 0).ToArray();

    /// <summary>Number of training positives.</summary>
    public int TrainPositiveCount => TrainPositives.Sum(p => p.Length);

    /// <summary>Number of held-out positives.</summary>
    public int TestPositiveCount => TestPositives.Sum(p => p.Length);
}
