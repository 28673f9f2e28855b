namespace TripletSharp.Recommendation;

/// <summary>
/// Settings of the item tower of <see cref="CmlTrainer"/> (used only when training with item features): an item's
/// vector is clip(tower(features) + id embedding), the tower an MLP, the id embedding a free vector per item of the
/// training data that each training row leaves out with probability <see cref="IdDropout"/>, so that the tower alone
/// learns to place items, as it must for new ones.
/// </summary>
public sealed record ItemTowerOptions
{
    /// <summary>Hidden layer widths of the tower's MLP.</summary>
    public IReadOnlyList<int> HiddenSizes { get; init; } = [64];

    /// <summary>Add a free id embedding to the tower's output for every item of the training data (new items get the tower alone).</summary>
    public bool IdEmbeddings { get; init; } = true;

    /// <summary>With <see cref="IdEmbeddings"/>: the probability that a training row leaves its id embedding out.</summary>
    public double IdDropout { get; init; } = 0.5;

    /// <summary>Throws <see cref="ArgumentException"/> naming the property at fault.</summary>
    public void Validate()
    {
        Guard.NotNull(HiddenSizes, nameof(HiddenSizes));
        if (HiddenSizes.Any(h => h <= 0)) throw new ArgumentException($"'{nameof(HiddenSizes)}' widths must be > 0, got {string.Join(",", HiddenSizes)}.", nameof(HiddenSizes));
        Guard.InRange(IdDropout, 0, 1, nameof(IdDropout));
    }
}
