using System.Text.Json.Serialization;
using TripletSharp.Data;

namespace TripletSharp.Recommendation;

/// <summary>
/// Settings of a recommendation run (<see cref="InteractionsRun"/>): where the interactions are and how they are read
/// and split, the model's training settings, and the run folder. The split's seed is <see cref="CmlOptions.Seed"/>.
/// </summary>
public sealed record InteractionsRunOptions
{
    /// <summary>The interactions CSV.</summary>
    public string DataPath { get; init; } = "";

    /// <summary>Columns and the positive threshold.</summary>
    public InteractionsOptions Read { get; init; } = new();

    /// <summary>How interactions are split into training and held-out parts.</summary>
    public InteractionsSplitMode Split { get; init; } = InteractionsSplitMode.LeaveLastOut;

    /// <summary>Held-out share of the <see cref="InteractionsSplitMode.Time"/> and <see cref="InteractionsSplitMode.Random"/> splits.</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>
    /// A CSV of item features (an id column, numeric and categorical columns; <see cref="ItemFeaturesReader"/>) that
    /// the item vectors are computed from through an MLP tower (<see cref="CmlOptions.ItemTower"/>), so that new items can
    /// be placed; null: none.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ItemFeaturesPath { get; init; }

    /// <summary>How <see cref="ItemFeaturesPath"/> is read (null: its id column is <see cref="InteractionsOptions.ItemColumn"/>, no categorical columns).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ItemFeaturesOptions? ItemFeatures { get; init; }

    /// <summary>The model's training settings.</summary>
    public CmlOptions Cml { get; init; } = new();

    /// <summary>The run folder (history, checkpoint, model, metrics, report).</summary>
    public string OutputDirectory { get; init; } = "";

    /// <summary>Continue the run in <see cref="OutputDirectory"/> from its checkpoint (the same data and settings; more epochs are allowed).</summary>
    public bool Resume { get; init; }

    /// <summary>Write <c>report.html</c> at the end.</summary>
    public bool Report { get; init; } = true;

    /// <summary>TensorBoard event folder (null: none).</summary>
    public string? TensorBoard { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the property at fault.</summary>
    public void Validate()
    {
        Guard.NotNull(Read, nameof(Read));
        Guard.NotNull(Cml, nameof(Cml));
        if (string.IsNullOrWhiteSpace(DataPath)) throw new ArgumentException($"'{nameof(DataPath)}' must name the interactions CSV.", nameof(DataPath));
        if (string.IsNullOrWhiteSpace(OutputDirectory)) throw new ArgumentException($"'{nameof(OutputDirectory)}' must name the run folder.", nameof(OutputDirectory));
        if (!Enum.IsDefined(Split)) throw new ArgumentException($"'{nameof(Split)}' is not a known split: {Split}.", nameof(Split));
        if (!(TestFraction > 0 && TestFraction < 1)) throw new ArgumentException($"'{nameof(TestFraction)}' must be in (0, 1), got {TestFraction}.", nameof(TestFraction));
        Read.Validate();
        Cml.Validate();
        if (ItemFeaturesPath is not null && string.IsNullOrWhiteSpace(ItemFeaturesPath)) throw new ArgumentException($"'{nameof(ItemFeaturesPath)}' must name the item features CSV (or be null).", nameof(ItemFeaturesPath));
        if (ItemFeaturesPath is null && ItemFeatures is not null) throw new ArgumentException($"'{nameof(ItemFeatures)}' says how to read item features, but '{nameof(ItemFeaturesPath)}' names no file.", nameof(ItemFeaturesPath));
        ItemFeatures?.Validate();
    }

    /// <summary>How the item features are read: <see cref="ItemFeatures"/>, by default with <see cref="InteractionsOptions.ItemColumn"/> as the id column.</summary>
    public ItemFeaturesOptions ItemFeaturesReading() => ItemFeatures ?? new ItemFeaturesOptions { IdColumn = Read.ItemColumn };

    /// <summary>
    /// The settings a resumed run must share with the run it continues: all but the epochs, threads, resume flag, report
    /// and TensorBoard, with the item features' file and reading left out (their content is compared by
    /// <see cref="Data.ItemFeatures.Fingerprint"/>) and the tower's settings spelt out when features are used.
    /// </summary>
    internal InteractionsRunOptions Comparable() => this with
    {
        Cml = Cml with { Epochs = 1, Threads = null, ItemTower = ItemFeaturesPath is null ? null : Cml.ItemTower ?? new ItemTowerOptions() },
        ItemFeaturesPath = null,
        ItemFeatures = null,
        OutputDirectory = "",
        Resume = false,
        Report = true,
        TensorBoard = null,
    };
}
