using System.Globalization;
using System.Text;
using TripletSharp.Evaluation;

namespace TripletSharp.Training;

/// <summary>One row of <c>history.csv</c>: what an epoch did and how the model scored after it.</summary>
public sealed record EpochRecord
{
    /// <summary>1-based epoch number.</summary>
    public int Epoch { get; init; }

    /// <summary>Mean training loss over the epoch's batches.</summary>
    public double Loss { get; init; }

    /// <summary>Fraction of the mined triplets with a non-zero loss, over the whole epoch.</summary>
    public double ActiveFraction { get; init; }

    /// <summary>Mean number of mined triplets per batch.</summary>
    public double TripletsPerBatch { get; init; }

    /// <summary>Learning rate at the epoch's last batch.</summary>
    public double LearningRate { get; init; }

    /// <summary>Test-split retrieval metrics after the epoch; null when the epoch was not evaluated.</summary>
    public RetrievalMetrics? Metrics { get; init; }

    /// <summary>Seconds spent training (batches only).</summary>
    public double TrainSeconds { get; init; }

    /// <summary>Seconds spent embedding and evaluating the test split.</summary>
    public double EvalSeconds { get; init; }

    /// <summary>Seconds of the floor (forward + backward + optimiser step alone over the same batches), when measured.</summary>
    public double? FloorSeconds { get; init; }

    /// <summary>Training plus evaluation seconds.</summary>
    public double Seconds => TrainSeconds + EvalSeconds;

    internal static readonly string[] MetricKeys =
        ["precision_at_1", "r_precision", "map_at_r", "recall_at_1", "recall_at_2", "recall_at_4", "recall_at_8", "nmi", "knn_accuracy"];

    /// <summary>The header of <c>history.csv</c>.</summary>
    public static string CsvHeader { get; } =
        "epoch,loss,active_fraction,triplets_per_batch," + string.Join(",", MetricKeys) + ",learning_rate,train_seconds,eval_seconds,seconds,floor_seconds";

    /// <summary>The row's values by <c>history.csv</c> column (all but <c>epoch</c>); NaN where a value is missing.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary()
    {
        var d = new Dictionary<string, double>
        {
            ["loss"] = Loss,
            ["active_fraction"] = ActiveFraction,
            ["triplets_per_batch"] = TripletsPerBatch,
        };
        var m = Metrics?.ToDictionary();
        foreach (var k in MetricKeys) d[k] = m is null ? double.NaN : m[k];
        d["learning_rate"] = LearningRate;
        d["train_seconds"] = TrainSeconds;
        d["eval_seconds"] = EvalSeconds;
        d["seconds"] = Seconds;
        d["floor_seconds"] = FloorSeconds ?? double.NaN;
        return d;
    }

    /// <summary>This row in <c>history.csv</c> form (invariant culture, empty cells for missing values).</summary>
    public string ToCsvRow()
    {
        var sb = new StringBuilder();
        sb.Append(Epoch.ToString(CultureInfo.InvariantCulture));
        foreach (var v in new[] { Loss, ActiveFraction, TripletsPerBatch }) sb.Append(',').Append(Format(v));
        var m = Metrics?.ToDictionary();
        foreach (var k in MetricKeys) sb.Append(',').Append(m is null ? "" : Format(m[k]));
        sb.Append(',').Append(Format(LearningRate));
        sb.Append(',').Append(Format(Math.Round(TrainSeconds, 3)));
        sb.Append(',').Append(Format(Math.Round(EvalSeconds, 3)));
        sb.Append(',').Append(Format(Math.Round(Seconds, 3)));
        sb.Append(',').Append(FloorSeconds is { } f ? Format(Math.Round(f, 3)) : "");
        return sb.ToString();
    }

    /// <summary>The whole <c>history.csv</c> text for <paramref name="rows"/>.</summary>
    public static string ToCsv(IEnumerable<EpochRecord> rows)
    {
        Guard.NotNull(rows, nameof(rows));
        var sb = new StringBuilder(CsvHeader).Append('\n');
        foreach (var r in rows) sb.Append(r.ToCsvRow()).Append('\n');
        return sb.ToString();
    }

    private static string Format(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
