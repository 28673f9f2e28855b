using System.Globalization;
using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Distances;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using TripletSharp.Training;
using static TorchSharp.torch;

namespace TripletSharp.Reporting;

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
    /// <summary>File name of the report in the run folder (<see cref="RunFolder.ReportPath"/>).</summary>
    public const string FileName = RunFolder.ReportFileName;

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
    public static string DistancesPath(string runDirectory, int epoch) => new RunFolder(runDirectory).DistancesPath(epoch);

    private void OnEpoch(object? sender, EpochCompletedEventArgs e)
    {
        tensorBoard?.LogEpoch(HistoryRow.From(e.Record));
        bool keep = (e.IsFirst || e.IsLast) && e.Run is not null;
        if (e.TestEmbeddings is null || (!keep && tensorBoard is null)) return;
        var d = Measure(e.TestEmbeddings, e.TestLabels, e.Distance, e.Epoch);
        tensorBoard?.LogDistances(d);
        if (keep) e.Run!.WriteDistances(d);
    }

    /// <summary>
    /// Test-split distances: every same-class and different-class pair of a seeded sample of at most 2,000 items,
    /// each kind then thinned to at most <see cref="MaxDistanceValues"/> values (seeded).
    /// </summary>
    public static EpochDistances Measure(Tensor embeddings, IReadOnlyList<long> labels, BaseDistance distance, int epoch, int seed = 0) =>
        EpochDistances.Sample(embeddings, labels, distance, epoch, EpochDistances.DefaultMaxItems, seed, MaxDistanceValues);

    /// <summary>Reads <c>history.csv</c> into the report's rows (empty cells become NaN); empty when the file is missing.</summary>
    internal static IReadOnlyList<HistoryRow> ReadHistory(string path)
    {
        Guard.NotNull(path, nameof(path));
        return File.Exists(path) ? EpochRecord.FromCsv(File.ReadAllText(path)).Select(HistoryRow.From).ToArray() : [];
    }

    /// <summary>
    /// Writes the report of a finished run: the best model (<c>model/</c>) on <paramref name="test"/>, the run's
    /// metrics, history and stored distances. Returns the report's path.
    /// </summary>
    /// <param name="runDirectory">The run folder.</param>
    /// <param name="test">The data to report on (its test split).</param>
    /// <param name="options">Sampling and computation settings (defaults when null).</param>
    /// <param name="timings">Receives the time of each part when given.</param>
    public static string WriteForRun(string runDirectory, Dataset test, ReportOptions? options = null, ReportTimings? timings = null)
    {
        Guard.NotNull(runDirectory, nameof(runDirectory));
        Guard.NotNull(test, nameof(test));
        var run = new RunFolder(runDirectory);
        using var bundle = run.ReadModel();
        var path = run.ReportPath;
        Write(path, bundle, test, runDirectory, options, timings);
        return path;
    }

    /// <summary>
    /// Writes a report of <paramref name="bundle"/> on <paramref name="test"/> to <paramref name="path"/>. History,
    /// metrics.json and stored distances come from <paramref name="runDirectory"/> when given and present; otherwise
    /// metrics are computed here and only the model's last distances are shown.
    /// </summary>
    /// <param name="path">Output file.</param>
    /// <param name="bundle">The model.</param>
    /// <param name="test">The data to report on.</param>
    /// <param name="runDirectory">The run folder, when the report is of a run on its own data.</param>
    /// <param name="options">Sampling and computation settings (defaults when null).</param>
    /// <param name="timings">Receives the time of each part (embed, metrics, distances, roc, pca, tsne, knn, histograms, thumbnails, json, html) when given.</param>
    public static void Write(string path, ModelBundle bundle, Dataset test, string? runDirectory = null, ReportOptions? options = null, ReportTimings? timings = null)
    {
        Guard.NotNull(path, nameof(path));
        Guard.NotNull(bundle, nameof(bundle));
        Guard.NotNull(test, nameof(test));
        timings ??= new ReportTimings();
        using var scope = torch.NewDisposeScope();
        var distance = bundle.CreateDistance();
        var embeddings = timings.Measure("embed", () => bundle.Embed(test));
        var run = runDirectory is null ? null : new RunFolder(runDirectory);
        RunConfig? config = run?.TryReadConfig();

        var metrics = timings.Measure("metrics", () => (run?.ReadMetrics() ?? new RetrievalEvaluator(distance, knnK: 5, seed: 0, computeNmi: config?.Trainer.ComputeNmi ?? true).Evaluate(embeddings, test.Labels)).ToDictionary());
        IReadOnlyList<HistoryRow> history = run is null ? [] : run.ReadHistory().Select(HistoryRow.From).ToArray();

        var distances = timings.Measure("distances", () =>
        {
            var found = new List<EpochDistances>();
            if (run is not null)
            {
                int last = history.Count > 0 ? history[^1].Epoch : config?.Trainer.Epochs ?? 0;
                if (run.ReadDistances(1) is { } first) found.Add(first);
                if (last > 1 && run.ReadDistances(last) is { } lastD) found.Add(lastD);
            }
            if (found.Count == 0)
                found.Add(Measure(embeddings, test.Labels, distance, history.Count > 0 ? history[^1].Epoch : 0));
            return found;
        });

        // Multi-label data: a pair is "same" when the items share a label (the evaluator's relation path).
        var roc = timings.Measure("roc", () => test.LabelSets is null
            ? RocCurve.AllPairs(embeddings, test.Labels, distance)
            : RocCurve.FromMetrics(new VerificationEvaluator(distance).EvaluateAllPairs(embeddings, Mining.ItemRelation.SharedLabel(test.LabelSets))));
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
            // A tuple run trains from its file, not from the class miner and P×K batches its config also holds.
            if (run?.ReadTuplesRecord() is { } tuples)
            {
                summary["miner"] = $"tuples from {Path.GetFileName(tuples.Tuples)}, extra negatives {tuples.TupleNegatives}";
                summary["batch"] = string.Create(CultureInfo.InvariantCulture, $"tuple batches, {t.BatchesPerEpoch} batches/epoch, {tuples.TupleTestFraction:0.##} of the tuples held out");
            }
        }
        else
        {
            summary["distance"] = bundle.DistanceName;
        }
        if (history.Count > 0)
            summary["time"] = string.Create(CultureInfo.InvariantCulture, $"{history.Sum(h => h.Values.TryGetValue("seconds", out var s) && double.IsFinite(s) ? s : 0):0.0} s");
        if (bundle.TrainingInfo.BestEpoch is { } best) summary["best epoch"] = best.ToString(CultureInfo.InvariantCulture);

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
            Roc = roc,
        };
        HtmlReportWriter.Write(path, data, options, timings);
    }
}
