using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Distances;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using TripletSharp.Reporting;
using static TorchSharp.torch;

namespace TripletSharp.Training;

/// <summary>
/// Builds the HTML report of a training run (<c>report.html</c> in its folder) or of any model on any data, and
/// collects the test-split d_ap / d_an distances through <see cref="Trainer.EpochCompleted"/>.
/// </summary>
/// <remarks>
/// The first and the last epoch's distances are stored in the run folder (<c>distances-epoch&lt;N&gt;.json</c>,
/// atomically) so that a resumed run still shows the first epoch.
/// </remarks>
public sealed class RunReport
{
    /// <summary>File name of the report in the run folder.</summary>
    public const string FileName = "report.html";

    /// <summary>Most d_ap and most d_an values kept per epoch (a seeded sample when there are more).</summary>
    public const int MaxDistanceValues = 200_000;

    private readonly TensorBoardLogger? tensorBoard;

    /// <summary>Creates a collector; <paramref name="tensorBoard"/>, when given, receives every epoch's scalars and distance histograms.</summary>
    public RunReport(TensorBoardLogger? tensorBoard = null) => this.tensorBoard = tensorBoard;

    /// <summary>Subscribes to <paramref name="trainer"/>'s epoch event.</summary>
    public void Attach(Trainer trainer)
    {
        Guard.NotNull(trainer, nameof(trainer));
        trainer.EpochCompleted += OnEpoch;
    }

    /// <summary>Path of the stored distances of <paramref name="epoch"/> in <paramref name="runDirectory"/>.</summary>
    public static string DistancesPath(string runDirectory, int epoch) =>
        Path.Combine(runDirectory, string.Create(CultureInfo.InvariantCulture, $"distances-epoch{epoch}.json"));

    private void OnEpoch(object? sender, EpochCompletedEventArgs e)
    {
        tensorBoard?.LogEpoch(new HistoryRow(e.Epoch, e.Record.ToDictionary()));
        bool keep = e.IsFirst || e.IsLast;
        if (e.TestEmbeddings is null || (!keep && tensorBoard is null)) return;
        var d = Measure(e.TestEmbeddings, e.TestLabels, e.Distance, e.Epoch);
        tensorBoard?.LogDistances(d);
        if (keep) Save(DistancesPath(e.RunDirectory, e.Epoch), d);
    }

    /// <summary>
    /// Test-split distances: every same-class and different-class pair of a seeded sample of at most 2,000 items,
    /// each kind then thinned to at most <see cref="MaxDistanceValues"/> values (seeded).
    /// </summary>
    public static EpochDistances Measure(Tensor embeddings, IReadOnlyList<long> labels, BaseDistance distance, int epoch, int seed = 0)
    {
        Guard.NotNull(embeddings, nameof(embeddings));
        Guard.NotNull(labels, nameof(labels));
        Guard.NotNull(distance, nameof(distance));
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        int n = labels.Count;
        var rows = Enumerable.Range(0, n).ToArray();
        if (n > 2000)
        {
            new Random(seed).Shuffle(rows);
            rows = rows[..2000];
            Array.Sort(rows);
        }
        var idx = torch.tensor(rows.Select(r => (long)r).ToArray(), device: embeddings.device);
        var values = distance.Compute(embeddings.index_select(0, idx)).to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        int m = rows.Length;
        var ap = new List<float>();
        var an = new List<float>();
        for (int i = 0; i < m; i++)
            for (int j = i + 1; j < m; j++)
                (labels[rows[i]] == labels[rows[j]] ? ap : an).Add(values[i * m + j]);
        return new EpochDistances(epoch, Thin(ap, seed + 1), Thin(an, seed + 2));
    }

    private static float[] Thin(List<float> values, int seed)
    {
        var a = values.ToArray();
        if (a.Length <= MaxDistanceValues) return a;
        new Random(seed).Shuffle(a);
        return a[..MaxDistanceValues];
    }

    private static void Save(string path, EpochDistances d) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new JsonObject
        {
            ["epoch"] = d.Epoch,
            ["d_ap"] = JsonSerializer.SerializeToNode(d.AnchorPositive),
            ["d_an"] = JsonSerializer.SerializeToNode(d.AnchorNegative),
        }));

    private static EpochDistances? LoadDistances(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path))!;
            return new EpochDistances(node["epoch"]!.GetValue<int>(), node["d_ap"]!.Deserialize<float[]>()!, node["d_an"]!.Deserialize<float[]>()!);
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException)
        {
            return null; // a damaged side file only costs the histogram, not the report
        }
    }

    /// <summary>Reads <c>history.csv</c> into rows (empty cells become NaN); empty when the file is missing.</summary>
    public static IReadOnlyList<HistoryRow> ReadHistory(string path)
    {
        Guard.NotNull(path, nameof(path));
        if (!File.Exists(path)) return [];
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length < 2) return [];
        var header = lines[0].Split(',');
        var rows = new List<HistoryRow>();
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            var values = new Dictionary<string, double>();
            int epoch = 0;
            for (int c = 0; c < header.Length && c < cells.Length; c++)
            {
                double v = double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : double.NaN;
                if (header[c] == "epoch") epoch = (int)v; else values[header[c]] = v;
            }
            rows.Add(new HistoryRow(epoch, values));
        }
        return rows;
    }

    /// <summary>Reads <c>metrics.json</c> (null values become NaN); empty when the file is missing.</summary>
    public static IReadOnlyDictionary<string, double> ReadMetrics(string path)
    {
        Guard.NotNull(path, nameof(path));
        var d = new Dictionary<string, double>();
        if (!File.Exists(path)) return d;
        foreach (var (k, v) in JsonNode.Parse(File.ReadAllText(path))!.AsObject())
            d[k] = v is null ? double.NaN : v.GetValue<double>();
        return d;
    }

    /// <summary>
    /// Writes the report of a finished run: the best model (<c>model/</c>) on <paramref name="test"/>, the run's
    /// metrics, history and stored distances. Returns the report's path.
    /// </summary>
    public static string WriteForRun(string runDirectory, Dataset test, ReportOptions? options = null)
    {
        Guard.NotNull(runDirectory, nameof(runDirectory));
        Guard.NotNull(test, nameof(test));
        var run = new RunLayout(runDirectory);
        using var bundle = ModelBundle.Load(run.ModelDirectory);
        var path = Path.Combine(runDirectory, FileName);
        Write(path, bundle, test, runDirectory, options);
        return path;
    }

    /// <summary>
    /// Writes a report of <paramref name="bundle"/> on <paramref name="test"/> to <paramref name="path"/>. History,
    /// metrics.json and stored distances come from <paramref name="runDirectory"/> when given and present; otherwise
    /// metrics are computed here and only the model's last distances are shown.
    /// </summary>
    public static void Write(string path, ModelBundle bundle, Dataset test, string? runDirectory = null, ReportOptions? options = null)
    {
        Guard.NotNull(path, nameof(path));
        Guard.NotNull(bundle, nameof(bundle));
        Guard.NotNull(test, nameof(test));
        using var scope = torch.NewDisposeScope();
        var distance = ComponentFactory.CreateDistance(bundle.DistanceName);
        var embeddings = bundle.Embed(test);
        var run = runDirectory is null ? null : new RunLayout(runDirectory);
        RunConfig? config = run is not null && File.Exists(run.ConfigPath) ? RunConfig.Load(run.ConfigPath) : null;

        var metrics = run is not null && File.Exists(run.MetricsPath) ? ReadMetrics(run.MetricsPath) : null;
        metrics ??= new RetrievalEvaluator(distance, knnK: 5, seed: 0, computeNmi: config?.Trainer.ComputeNmi ?? true).Evaluate(embeddings, test.Labels).ToDictionary();
        var history = run is null ? [] : ReadHistory(run.HistoryPath);

        var distances = new List<EpochDistances>();
        if (run is not null)
        {
            int last = history.Count > 0 ? history[^1].Epoch : config?.Trainer.Epochs ?? 0;
            if (LoadDistances(DistancesPath(run.Directory, 1)) is { } first) distances.Add(first);
            if (last > 1 && LoadDistances(DistancesPath(run.Directory, last)) is { } lastD) distances.Add(lastD);
        }
        if (distances.Count == 0)
            distances.Add(Measure(embeddings, test.Labels, distance, history.Count > 0 ? history[^1].Epoch : 0));

        var verification = new VerificationEvaluator(distance).EvaluateAllPairs(embeddings, test.Labels);
        var t = config?.Trainer;
        var summary = new Dictionary<string, string>
        {
            ["data"] = config?.DataSummary is { } ds
                ? $"{(string.IsNullOrEmpty(ds.Source) ? "bundled sample" : ds.Source)}: {ds.TrainCount} train + {ds.TestCount} test items, {ds.ClassNames.Length} classes"
                : $"{test.Count} items, {test.ClassNames.Count} classes",
            ["model"] = $"{bundle.Architecture.Kind.ToString().ToLowerInvariant()}, {bundle.EmbeddingDim}-d",
        };
        if (t is not null)
        {
            summary["miner"] = t.Miner;
            summary["loss"] = (t.SoftMargin ? "soft-margin triplet" : "triplet margin") + $", {t.Reducer}";
            summary["distance"] = t.Distance;
            summary["margin"] = t.Margin.ToString(CultureInfo.InvariantCulture);
            summary["epochs"] = $"{history.Count} of {t.Epochs}";
            summary["batch"] = $"P×K {t.ClassesPerBatch}×{t.SamplesPerClass}, {t.BatchesPerEpoch} batches/epoch";
        }
        else
        {
            summary["distance"] = bundle.DistanceName;
        }
        if (history.Count > 0)
            summary["time"] = string.Create(CultureInfo.InvariantCulture, $"{history.Sum(h => h.Values.TryGetValue("seconds", out var s) && double.IsFinite(s) ? s : 0):0.0} s");
        if (bundle.Training?["best_epoch"] is { } best) summary["best epoch"] = best.ToJsonString();

        var data = new ReportData
        {
            Title = runDirectory is null ? "TripletSharp report" : $"TripletSharp report: {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(runDirectory)))}",
            Summary = summary,
            Metrics = metrics,
            History = history,
            Distances = distances,
            Margin = t?.Margin,
            Embeddings = embeddings,
            Labels = test.Labels,
            ClassNames = test.ClassNames,
            ItemIds = test.ItemNames,
            Images = test.Kind == DataKind.Images && test.Features.dim() == 4 ? test.Features : null,
            DistanceName = bundle.DistanceName,
            NormalizeEmbeddings = false,
            Roc = RocCurve.FromMetrics(verification),
        };
        HtmlReportWriter.Write(path, data, options);
    }
}
