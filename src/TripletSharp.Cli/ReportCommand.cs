using System.CommandLine;
using System.Globalization;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Reporting;
using TripletSharp.Training;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary><c>triplet report</c>: the self-contained HTML report of a saved model on a dataset's test split.</summary>
internal static class ReportCommand
{
    public static Command Create(CliContext ctx)
    {
        var r = new ReportRequest();
        var t = new OptionTable<ReportRequest>();
        var model = t.Add(CommonOptions.ModelFolder());
        var data = t.Add(CommonOptions.Data("Dataset to report on (default: the data the model was trained on); its test split is used."), nameof(DataOptions.Path));
        var format = t.Add(CommonOptions.Format(), nameof(DataOptions.Format));
        var classes = t.Add(CommonOptions.Classes(), nameof(DataOptions.Classes));
        var output = t.Add(Optional<string>("--out", "Report file (default: report.html next to the model folder's run, or in the current folder)."), "Output");
        t.Add(CommonOptions.NoTsne("Leave out the t-SNE map (PCA only)."), nameof(ReportOptions.ComputeTsne), (s, v) => s.ComputeTsne = !v);
        t.Add(CommonOptions.TsneIterations("t-SNE iterations.", r.TsneIterations), nameof(TsneOptions.Iterations), (s, v) => s.TsneIterations = v);
        var timing = t.Add(With("--timing", "Print the seconds each part of the report took (loading the model and the data, embed, metrics, distances, roc, pca, tsne, knn, histograms, thumbnails, json, html) and the t-SNE map's KL divergence.", false), "Timing");
        t.Add(With("--seed", "Seed of the map sample and the gallery queries.", r.Seed), nameof(ReportOptions.Seed), (s, v) => s.Seed = v);
        var command = t.CreateCommand("report", "Write a self-contained HTML report (maps, gallery, confusion, distances, ROC, curves) of a model on a dataset.");
        command.SetAction(parse =>
        {
            var modelDir = Path.GetFullPath(parse.GetValue(model)!);
            var timings = new ReportTimings();
            using var bundle = timings.Measure("model", () => ModelBundle.Load(modelDir));
            var dataPath = parse.GetValue(data);
            var dataOptions = DataFor(bundle.Input.Data, dataPath, parse.GetValue(format), CommonOptions.ParseClasses(parse.GetValue(classes)));
            using var test = timings.Measure("data", () => dataPath is null ? DatasetLoader.LoadTest(dataOptions) : DatasetLoader.LoadAll(dataOptions));
            // History and stored distances belong to the run only when the report is about the run's own data.
            var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(modelDir));
            string? runDir = dataPath is null && parent is not null && File.Exists(new RunFolder(parent).HistoryPath) ? parent : null;
            // The run's curves and metrics must be those of this model, not of a run whose model folder was swapped.
            if (runDir is not null) new RunFolder(runDir).VerifyModelFingerprint(line => ctx.Err.WriteLine($"triplet report: note: {line}"));
            var outPath = parse.GetValue(output) ?? Path.Combine(runDir ?? ".", RunReport.FileName);
            var options = t.Bind(parse, new ReportRequest()).ToOptions();
            RunReport.Write(outPath, bundle, test, runDir, options, timings);
            ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {outPath} ({test.Count} items, {test.ClassNames.Count} classes)"));
            if (parse.GetValue(timing))
            {
                ctx.Out.WriteLine(timings.ToTable());
                if (timings.TsneKlDivergence is double kl) ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"t-SNE KL divergence {kl:0.0000}"));
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
