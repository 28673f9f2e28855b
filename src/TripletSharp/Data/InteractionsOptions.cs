namespace TripletSharp.Data;

/// <summary>How an interactions file (one row per user–item interaction) is read: its column names and what counts as a positive.</summary>
public sealed record InteractionsOptions
{
    /// <summary>Column of the user id (any text).</summary>
    public string UserColumn { get; init; } = "userId";

    /// <summary>Column of the item id (any text).</summary>
    public string ItemColumn { get; init; } = "movieId";

    /// <summary>Column of the rating; when the file has no such column every row is a positive (implicit feedback).</summary>
    public string RatingColumn { get; init; } = "rating";

    /// <summary>Column of the timestamp (a number: seconds or any increasing unit); needed by the time-based splits.</summary>
    public string TimeColumn { get; init; } = "timestamp";

    /// <summary>A rating at or above this is a positive interaction; the others are only "seen".</summary>
    public double PositiveThreshold { get; init; } = 4.0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the property at fault.</summary>
    public void Validate()
    {
        foreach (var (name, value) in new[] { (nameof(UserColumn), UserColumn), (nameof(ItemColumn), ItemColumn), (nameof(RatingColumn), RatingColumn), (nameof(TimeColumn), TimeColumn) })
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"'{name}' must name a column, got an empty name.", name);
        if (UserColumn == ItemColumn) throw new ArgumentException($"'{nameof(UserColumn)}' and '{nameof(ItemColumn)}' are both '{UserColumn}'; give two columns.", nameof(ItemColumn));
        Guard.Finite(PositiveThreshold, nameof(PositiveThreshold));
    }
}
