namespace TripletSharp.Reporting;

/// <summary>One row of <c>history.csv</c>: the epoch number and its columns by name.</summary>
/// <param name="Epoch">Epoch number (1-based, as the trainer counts).</param>
/// <param name="Values">
/// The row's values by <c>history.csv</c> column name, for example <c>loss</c>, <c>active_fraction</c>,
/// <c>precision_at_1</c>, <c>map_at_r</c>, <c>seconds</c>. NaN means "not measured this epoch".
/// </param>
public sealed record HistoryRow(int Epoch, IReadOnlyDictionary<string, double> Values);
