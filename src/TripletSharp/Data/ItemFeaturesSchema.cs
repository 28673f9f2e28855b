using System.Text.Json.Serialization;

namespace TripletSharp.Data;

/// <summary>
/// The layout of an item-feature vector, fixed by the training file and saved with the model so that new items are
/// encoded the same way: the numeric columns, standardised by the training file's mean and scale
/// ((x − mean) / scale); then one input per value of each categorical column (1 when the item has it); then one
/// "no features" input, 1 for an item of the interactions that the features file does not list (its other inputs are 0).
/// </summary>
/// <param name="IdColumn">Column of the item id.</param>
/// <param name="NumericColumns">Numeric columns, in file order.</param>
/// <param name="Means">Mean of each numeric column over the training file.</param>
/// <param name="Scales">Standard deviation of each numeric column (1 where it is 0).</param>
/// <param name="CategoricalColumns">Categorical columns, in file order.</param>
/// <param name="CategoricalValues">Per categorical column, its values in ordinal order.</param>
/// <param name="Separator">Separator of the values inside a categorical cell.</param>
public sealed record ItemFeaturesSchema(string IdColumn, string[] NumericColumns, double[] Means, double[] Scales, string[] CategoricalColumns, string[][] CategoricalValues, char Separator)
{
    /// <summary>Inputs of a feature vector: numeric columns, categorical values and the "no features" flag.</summary>
    [JsonIgnore]
    public int Width => NumericColumns.Length + CategoricalValues.Sum(v => v.Length) + 1;

    /// <summary>The name of every input, in order (<c>column</c>, <c>column=value</c>, <c>(no features)</c>).</summary>
    [JsonIgnore]
    public IReadOnlyList<string> InputNames =>
        [.. NumericColumns, .. CategoricalColumns.SelectMany((c, j) => CategoricalValues[j].Select(v => $"{c}={v}")), "(no features)"];

    /// <summary>Throws <see cref="ArgumentException"/> when the parts do not fit together (a damaged manifest).</summary>
    public void Validate()
    {
        Guard.NotNull(IdColumn, nameof(IdColumn));
        Guard.NotNull(NumericColumns, nameof(NumericColumns));
        Guard.NotNull(CategoricalColumns, nameof(CategoricalColumns));
        if (Means is null || Scales is null || Means.Length != NumericColumns.Length || Scales.Length != NumericColumns.Length)
            throw new ArgumentException("'Means' and 'Scales' need one value per numeric column.", nameof(Means));
        if (Means.Any(m => !double.IsFinite(m)) || Scales.Any(s => !double.IsFinite(s) || s <= 0))
            throw new ArgumentException("'Means' must be finite and 'Scales' finite and > 0.", nameof(Scales));
        if (CategoricalValues is null || CategoricalValues.Length != CategoricalColumns.Length || CategoricalValues.Any(v => v is null))
            throw new ArgumentException("'CategoricalValues' needs one list per categorical column.", nameof(CategoricalValues));
    }
}
