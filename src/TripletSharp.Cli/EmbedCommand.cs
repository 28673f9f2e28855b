using System.CommandLine;
using TripletSharp.Data;
using TripletSharp.Models;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary><c>triplet embed</c>: writes the embeddings of a dataset, with labels and item names, to CSV, .npy or Parquet.</summary>
internal static class EmbedCommand
{
    public static Command Create(CliContext ctx)
    {
        var model = new Option<string>("--model") { Description = "Model folder.", Required = true };
        var data = Optional<string>("--data", "Dataset to embed (default: the data the model was trained on).");
        var format = Optional<string>("--format", "Data format: auto, idx, folder or csv.");
        format.AcceptOnlyFromAmong(FormatNames);
        var output = new Option<string>("--out") { Description = "Output file: .csv, .npy (a structured array) or .parquet.", Required = true };
        var split = Choice("--split", "Which items to embed.", "all", ["all", "train", "test"]);
        var command = new Command("embed", "Embed a dataset with a saved model and write the embeddings with labels (and file names where known).")
        {
            model, data, format, output, split,
        };
        command.SetAction(parse =>
        {
            var outPath = parse.GetValue(output)!;
            var kind = EmbeddingWriter.KindOf(outPath);
            using var bundle = ModelBundle.Load(parse.GetValue(model)!);
            var dataOptions = DataFor(bundle.Input.Data, parse.GetValue(data), parse.GetValue(format));
            using var loaded = DatasetLoader.Load(dataOptions);
            using var set = EmbeddingSet.Create(bundle, loaded, Enum.Parse<SplitSelection>(parse.GetValue(split)!, ignoreCase: true));
            EmbeddingWriter.Write(outPath, kind, set);
            ctx.Out.WriteLine($"wrote {set.Count} embeddings of dimension {set.Dimension} to {outPath}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
