namespace TripletSharp.Recommendation;

/// <summary>Where the negative items of a (user, positive item) pair come from.</summary>
public enum NegativeSampling
{
    /// <summary>Items drawn uniformly from the catalogue (never one of the user's training positives); the hardest of them is used.</summary>
    Uniform,

    /// <summary>Items drawn in proportion to their number of training positives (popular items are negatives more often); the hardest is used.</summary>
    Popularity,

    /// <summary>The other positive items of the same batch (never one of the user's training positives); the hardest is used.</summary>
    InBatchHard,
}
