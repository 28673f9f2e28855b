using TripletSharp.Training;

namespace TripletSharp.Reporting;

/// <summary>
/// The report's view of one epoch: its number and values by column name. Rows of a run come from its
/// <see cref="EpochRecord"/>s (<see cref="From"/>); <c>history.csv</c> is written and read only by
/// <see cref="EpochRecord"/> (through <see cref="RunFolder"/>).
/// </summary>
/// <param name="Epoch">Epoch number (1-based, as the trainer counts).</param>
/// <param name="Values">
/// The row's values by <c>history.csv</c> column name, for example <c>loss</c>, <c>active_fraction</c>,
/// <c>precision_at_1</c>, <c>map_at_r</c>, <c>seconds</c>. NaN means "not measured this epoch".
/// </param>
internal sealed record HistoryRow(int Epoch, IReadOnlyDictionary<string, double> Values)
{
    /// <summary>The row of <paramref name="record"/> (its <see cref="EpochRecord.ToDictionary"/> columns).</summary>
    public static HistoryRow From(EpochRecord record)
    {
        Guard.NotNull(record, nameof(record));
        return new HistoryRow(record.Epoch, record.ToDictionary());
    }
}
