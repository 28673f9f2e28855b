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
        var model = new Option<string>("--model") { Description = "Model folder (for example runs/<timestamp>/model).", Required = true };
        var data = Optional<string>("--data", "Dataset to report on (default: the data the model was trained on); its test split is used.");
        var format = Optional<string>("--format", "Data format: auto, idx, folder or csv.");
        format.AcceptOnlyFromAmong(FormatNames);
        var output = Optional<string>("--out", "Report file (default: report.html next to the model folder's run, or in the current folder).");
        var noTsne = With("--no-tsne", "Leave out the t-SNE map (PCA only).", false);
        var tsneIterations = With("--tsne-iterations", "t-SNE iterations.", 1000);
        var seed = With("--seed", "Seed of the map sample and the gallery queries.", 0);
        var command = new Command("report", "Write a self-contained HTML report (maps, gallery, confusion, distances, ROC, curves) of a model on a dataset.")
        {
            model, data, format, output, noTsne, tsneIterations, seed,
        };
        command.SetAction(parse =>
        {
            var modelDir = Path.GetFullPath(parse.GetValue(model)!);
            using var bundle = ModelBundle.Load(modelDir);
            var dataPath = parse.GetValue(data);
            var dataOptions = DataFor(bundle.Input.Data, dataPath, parse.GetValue(format));
            using var test = dataPath is null ? DatasetLoader.LoadTest(dataOptions) : DatasetLoader.LoadAll(dataOptions);
            // History and stored distances belong to the run only when the report is about the run's own data.
            var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(modelDir));
            string? runDir = dataPath is null && parent is not null && File.Exists(new RunLayout(parent).HistoryPath) ? parent : null;
            var outPath = parse.GetValue(output) ?? Path.Combine(runDir ?? ".", RunReport.FileName);
            int iterations = parse.GetValue(tsneIterations);
            var options = new ReportOptions
            {
                Seed = parse.GetValue(seed),
                ComputeTsne = !parse.GetValue(noTsne),
                Tsne = new TsneOptions { Iterations = iterations, ExaggerationIterations = Math.Min(250, iterations / 4) },
            };
            RunReport.Write(outPath, bundle, test, runDir, options);
            ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {outPath} ({test.Count} items, {test.ClassNames.Count} classes)"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
