using System.CommandLine;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Reporting;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary><c>triplet embed</c>: writes the embeddings of a dataset, with labels and item names, to CSV, .npy or Parquet.</summary>
internal static class EmbedCommand
{
    public static Command Create(CliContext ctx)
    {
        var t = new OptionTable();
        var model = t.Add(CommonOptions.ModelFolder("Model folder."));
        var data = t.Add(CommonOptions.Data("Dataset to embed (default: the data the model was trained on)."), nameof(DataOptions.Path));
        var format = t.Add(CommonOptions.Format(), nameof(DataOptions.Format));
        var classes = t.Add(CommonOptions.Classes(), nameof(DataOptions.Classes));
        var output = t.Add(new Option<string>("--out") { Description = "Output file: .csv, .npy (a structured array) or .parquet.", Required = true }, "Output");
        var split = t.Add(Choice("--split", "Which items to embed.", "all", ["all", "train", "test"]));
        var projector = t.Add(Optional<string>("--projector", "Also write TensorBoard Embedding Projector files (vectors, metadata, sprite for images, config) into this folder."));
        var command = t.CreateCommand("embed", "Embed a dataset with a saved model and write the embeddings with labels (and file names where known).");
        command.SetAction(parse =>
        {
            var outPath = parse.GetValue(output)!;
            var kind = EmbeddingWriter.KindOf(outPath);
            using var bundle = ModelBundle.Load(parse.GetValue(model)!);
            var dataPath = parse.GetValue(data);
            var dataOptions = DataFor(bundle.Input.Data, dataPath, parse.GetValue(format), CommonOptions.ParseClasses(parse.GetValue(classes)));
            using var set = Embed(bundle, dataOptions, Enum.Parse<SplitSelection>(parse.GetValue(split)!, ignoreCase: true), dataPath is not null);
            EmbeddingWriter.Write(outPath, kind, set);
            ctx.Out.WriteLine($"wrote {set.Count} embeddings of dimension {set.Dimension} to {outPath}");
            if (parse.GetValue(projector) is { } projectorDir)
            {
                var which = Enum.Parse<SplitSelection>(parse.GetValue(split)!, ignoreCase: true);
                using var items = Items(dataOptions, which, dataPath is not null);
                var thumbnails = items.Kind == DataKind.Images && items.Features.dim() == 4 && items.Count == set.Count ? items.Features : null;
                ProjectorExporter.Write(projectorDir, set.Embeddings, set.Labels, set.ClassNames, thumbnails, set.ItemNames);
                ctx.Out.WriteLine($"wrote projector files ({ProjectorExporter.VectorsFile}, {ProjectorExporter.MetadataFile}{(thumbnails is null ? "" : ", " + ProjectorExporter.SpriteFile)}, {ProjectorExporter.ConfigFile}) to {projectorDir}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The items <see cref="OptionBinding.Embed"/> embeds, in the same order, for the projector's sprite.</summary>
    private static Dataset Items(DataOptions options, SplitSelection which, bool explicitPath)
    {
        if (which == SplitSelection.Test) return DatasetLoader.LoadTest(options);
        if (which == SplitSelection.All && explicitPath) return DatasetLoader.LoadAll(options);
        using var split = DatasetLoader.Load(options);
        return which == SplitSelection.Train
            ? split.Train.Subset(Enumerable.Range(0, split.Train.Count).ToArray())
            : Dataset.Concat([split.Train, split.Test]);
    }
}
