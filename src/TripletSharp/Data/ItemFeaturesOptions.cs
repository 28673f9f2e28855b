namespace TripletSharp.Data;

/// <summary>How an item-features CSV is read (<see cref="ItemFeaturesReader"/>): its id column and which columns are categorical.</summary>
public sealed record ItemFeaturesOptions
{
    /// <summary>Column of the item id, the same ids as the interactions' item column.</summary>
    public string IdColumn { get; init; } = "movieId";

    /// <summary>
    /// Categorical columns: each cell holds zero or more values separated by <see cref="Separator"/> (MovieLens genres
    /// <c>Action|Comedy</c>), encoded one-hot / multi-hot. Every other column but the id must be numeric.
    /// </summary>
    public IReadOnlyList<string> CategoricalColumns { get; init; } = [];

    /// <summary>Separator of the values inside a categorical cell.</summary>
    public char Separator { get; init; } = '|';

    /// <summary>Throws <see cref="ArgumentException"/> naming the property at fault.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(IdColumn)) throw new ArgumentException($"'{nameof(IdColumn)}' must name a column, got an empty name.", nameof(IdColumn));
        Guard.NotNull(CategoricalColumns, nameof(CategoricalColumns));
        foreach (var c in CategoricalColumns)
        {
            if (string.IsNullOrWhiteSpace(c)) throw new ArgumentException($"'{nameof(CategoricalColumns)}' holds an empty column name.", nameof(CategoricalColumns));
            if (c == IdColumn) throw new ArgumentException($"'{nameof(CategoricalColumns)}' names the id column '{c}'.", nameof(CategoricalColumns));
        }
        if (CategoricalColumns.Distinct(StringComparer.Ordinal).Count() != CategoricalColumns.Count)
            throw new ArgumentException($"'{nameof(CategoricalColumns)}' names a column twice.", nameof(CategoricalColumns));
        if (Separator == ',' || char.IsWhiteSpace(Separator)) throw new ArgumentException($"'{nameof(Separator)}' must not be a comma or blank.", nameof(Separator));
    }
}
