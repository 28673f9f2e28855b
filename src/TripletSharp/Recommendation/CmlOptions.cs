using System.Text.Json.Serialization;

namespace TripletSharp.Recommendation;

/// <summary>
/// Settings of Collaborative Metric Learning (<see cref="CmlTrainer"/>). The defaults are the best of the settings tried
/// on a MovieLens validation split (each user's second-to-last positive held out; README "Recommendation").
/// </summary>
public sealed record CmlOptions
{
    /// <summary>Dimension of the user and item vectors.</summary>
    public int EmbeddingDim { get; init; } = 64;

    /// <summary>Hinge margin on squared Euclidean distances: d²(u, p) + margin ≤ d²(u, n) costs nothing (squared distances in the unit ball are at most 4).</summary>
    public double Margin { get; init; } = 1.5;

    /// <summary>Passes over the training positives.</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>(user, positive item) pairs per batch.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>Where negatives come from.</summary>
    public NegativeSampling Negatives { get; init; } = NegativeSampling.Uniform;

    /// <summary>Negatives drawn per pair for <see cref="NegativeSampling.Uniform"/> and <see cref="NegativeSampling.Popularity"/>; the hardest one is used (CML's sampled hardest negative).</summary>
    public int NegativesPerPositive { get; init; } = 10;

    /// <summary>Weigh each pair's hinge by log(1 + estimated rank of its positive) as CML does (WARP): rank ≈ items × violating / drawn negatives (uniform and popularity negatives).</summary>
    public bool RankWeighted { get; init; } = true;

    /// <summary>Seed of the initialisation, the order of pairs and the negatives.</summary>
    public int Seed { get; init; }

    /// <summary>CPU threads for libtorch (null: leave torch's setting alone).</summary>
    public int? Threads { get; init; }

    /// <summary>
    /// The item tower's settings, used only when training with item features (null: <see cref="ItemTowerOptions"/>'s
    /// defaults). Left out of the JSON when null, so the settings of a run without item features read as before.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ItemTowerOptions? ItemTower { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the property at fault.</summary>
    public void Validate()
    {
        Guard.Positive(EmbeddingDim, nameof(EmbeddingDim));
        Guard.Finite(Margin, nameof(Margin));
        Guard.Positive(Margin, nameof(Margin));
        Guard.Positive(Epochs, nameof(Epochs));
        Guard.Positive(BatchSize, nameof(BatchSize));
        Guard.Finite(LearningRate, nameof(LearningRate));
        Guard.Positive(LearningRate, nameof(LearningRate));
        Guard.Positive(NegativesPerPositive, nameof(NegativesPerPositive));
        if (!Enum.IsDefined(Negatives)) throw new ArgumentException($"'{nameof(Negatives)}' is not a known sampling: {Negatives}.", nameof(Negatives));
        if (Threads is { } t) Guard.Positive(t, nameof(Threads));
        ItemTower?.Validate();
    }
}
