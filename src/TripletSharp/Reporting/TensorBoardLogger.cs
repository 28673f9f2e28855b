using TripletSharp.Training;
using TripletSharp.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Reporting;

/// <summary>
/// Writes TensorBoard event files (through TorchSharp's <c>SummaryWriter</c>) for <c>--tensorboard DIR</c>: a scalar per
/// <c>history.csv</c> column per epoch (loss, active fraction, every metric) and histograms of the test d_ap and d_an.
/// </summary>
/// <remarks>
/// Event files are append-only logs that TensorBoard tails while training runs, so they are appended record by record
/// (each record is length- and CRC-framed) rather than replaced atomically like the other outputs.
/// </remarks>
public sealed class TensorBoardLogger
{
    private readonly TorchSharp.Modules.SummaryWriter _writer;

    /// <summary>Opens a new event file in <paramref name="logDir"/> (created when missing).</summary>
    public TensorBoardLogger(string logDir)
    {
        Guard.NotNull(logDir, nameof(logDir));
        if (string.IsNullOrWhiteSpace(logDir)) throw new ArgumentException($"'{nameof(logDir)}' must not be empty.", nameof(logDir));
        LogDir = Path.GetFullPath(logDir);
        Directory.CreateDirectory(LogDir);
        _writer = torch.utils.tensorboard.SummaryWriter(LogDir);
    }

    /// <summary>The folder the event file is in.</summary>
    public string LogDir { get; }

    /// <summary>Tag of the anchor–positive distance histogram.</summary>
    public const string AnchorPositiveTag = "distances/d_ap";

    /// <summary>Tag of the anchor–negative distance histogram.</summary>
    public const string AnchorNegativeTag = "distances/d_an";

    /// <summary>Writes every value of <paramref name="values"/> as a scalar at <paramref name="step"/>; NaN and ±Inf are skipped.</summary>
    /// <param name="step">Global step (the epoch).</param>
    /// <param name="values">Values by name; the tag is <paramref name="prefix"/> + name.</param>
    /// <param name="prefix">Tag prefix, for example <c>final/</c>.</param>
    public void LogScalars(int step, IReadOnlyDictionary<string, double> values, string prefix = "")
    {
        Guard.NotNull(values, nameof(values));
        Guard.NotNull(prefix, nameof(prefix));
        foreach (var (name, value) in values)
            if (double.IsFinite(value)) _writer.add_scalar(prefix + name, (float)value, step);
    }

    /// <summary>Writes one <c>history.csv</c> row: a scalar per column, tagged by the column name, at step = epoch.</summary>
    public void LogEpoch(EpochRecord record)
    {
        Guard.NotNull(record, nameof(record));
        LogEpoch(HistoryRow.From(record));
    }

    internal void LogEpoch(HistoryRow row)
    {
        Guard.NotNull(row, nameof(row));
        LogScalars(row.Epoch, row.Values);
    }

    /// <summary>Writes histograms of the finite d_ap and d_an values of <paramref name="distances"/> at step = its epoch.</summary>
    public void LogDistances(EpochDistances distances)
    {
        Guard.NotNull(distances, nameof(distances));
        Histogram(AnchorPositiveTag, distances.AnchorPositive, distances.Epoch);
        Histogram(AnchorNegativeTag, distances.AnchorNegative, distances.Epoch);
    }

    private void Histogram(string tag, float[] values, int step)
    {
        Guard.NotNull(values, tag);
        var finite = values.Where(float.IsFinite).ToArray();
        if (finite.Length == 0) return;
        using var scope = torch.NewDisposeScope();
        _writer.add_histogram(tag, torch.tensor(finite), step);
    }
}
