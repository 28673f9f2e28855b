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

    /// <summary>Training plus evaluation seconds (as written, when the row was read from <c>history.csv</c>).</summary>
    public double Seconds
    {
        get => seconds ?? TrainSeconds + EvalSeconds;
        init => seconds = value;
    }

    private readonly double? seconds;

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

    /// <summary>
    /// Reads the text of a <c>history.csv</c> (the inverse of <see cref="ToCsv"/>; columns found by their header, so
    /// unknown ones are ignored). An empty or unreadable cell reads as NaN (null for <see cref="FloorSeconds"/>); a row
    /// with no metric value has null <see cref="Metrics"/>. Seconds come back as written (rounded to milliseconds).
    /// </summary>
    public static IReadOnlyList<EpochRecord> FromCsv(string text)
    {
        Guard.NotNull(text, nameof(text));
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
        if (lines.Length < 2) return [];
        var header = lines[0].Split(',');
        var rows = new List<EpochRecord>(lines.Length - 1);
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            var values = new Dictionary<string, double>();
            for (int c = 0; c < header.Length && c < cells.Length; c++)
                values[header[c]] = double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : double.NaN;
            double Get(string key) => values.TryGetValue(key, out var v) ? v : double.NaN;
            var m = MetricKeys.Select(Get).ToArray();
            rows.Add(new EpochRecord
            {
                Epoch = double.IsFinite(Get("epoch")) ? (int)Get("epoch") : 0,
                Loss = Get("loss"),
                ActiveFraction = Get("active_fraction"),
                TripletsPerBatch = Get("triplets_per_batch"),
                Metrics = m.All(double.IsNaN) ? null : new RetrievalMetrics(m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], 0),
                LearningRate = Get("learning_rate"),
                TrainSeconds = Get("train_seconds"),
                EvalSeconds = Get("eval_seconds"),
                Seconds = Get("seconds"),
                FloorSeconds = double.IsNaN(Get("floor_seconds")) ? null : Get("floor_seconds"),
            });
        }
        return rows;
    }

    private static string Format(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
