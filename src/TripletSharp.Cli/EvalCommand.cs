using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using TripletSharp.Training;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary><c>triplet eval</c>: retrieval metrics (and pair verification) of a saved model on a dataset's test split.</summary>
internal static class EvalCommand
{
    public static Command Create(CliContext ctx)
    {
        var model = new Option<string>("--model") { Description = "Model folder (for example runs/<timestamp>/model).", Required = true };
        var data = Optional<string>("--data", "Dataset to evaluate on (default: the data the model was trained on).");
        var format = Optional<string>("--format", "Data format: auto, idx, folder or csv.");
        format.AcceptOnlyFromAmong(FormatNames);
        var split = Choice("--split", "Which items to evaluate on.", "test", ["test", "train", "all"]);
        var pairs = Optional<string>("--pairs", "CSV of labelled pairs 'path1,path2,same' for verification (default: all pairs of the evaluated items).");
        var json = With("--json", "Print JSON instead of a table.", false);
        var command = new Command("eval", "Evaluate a saved model: precision@1, R-precision, MAP@R, recall@k, NMI, k-NN accuracy, and pair verification.")
        {
            model, data, format, split, pairs, json,
        };
        command.SetAction(parse =>
        {
            using var bundle = ModelBundle.Load(parse.GetValue(model)!);
            var dataOptions = DataFor(bundle.Input.Data, parse.GetValue(data), parse.GetValue(format));
            using var loaded = DatasetLoader.Load(dataOptions);
            var which = Enum.Parse<SplitSelection>(parse.GetValue(split)!, ignoreCase: true);
            using var set = EmbeddingSet.Create(bundle, loaded, which);
            var distance = ComponentFactory.CreateDistance(bundle.DistanceName);
            var metrics = new RetrievalEvaluator(distance).Evaluate(set.Embeddings, set.Labels);

            VerificationMetrics verification;
            string pairSource;
            if (parse.GetValue(pairs) is { } pairsPath)
            {
                using var all = which == SplitSelection.All ? null : EmbeddingSet.Create(bundle, loaded, SplitSelection.All);
                var source = all ?? set;
                var (first, second, same) = PairsFile.Read(pairsPath, source);
                using (first)
                using (second)
                    verification = new VerificationEvaluator(distance).EvaluatePairs(first, second, same);
                pairSource = pairsPath;
            }
            else
            {
                verification = new VerificationEvaluator(distance).EvaluateAllPairs(set.Embeddings, set.Labels);
                pairSource = $"all pairs of the {which.ToString().ToLowerInvariant()} items";
            }

            if (parse.GetValue(json))
            {
                var node = Trainer.MetricsNode(metrics);
                node["verification"] = new JsonObject
                {
                    ["roc_auc"] = Finite(verification.RocAuc),
                    ["tar_at_far_1e-3"] = Finite(verification.TarAtFar1e3),
                    ["accuracy"] = Finite(verification.BestAccuracy),
                    ["accuracy_std"] = Finite(verification.BestAccuracyStd),
                    ["threshold"] = Finite(verification.Threshold),
                    ["pair_count"] = verification.PairCount,
                    ["pairs"] = pairSource,
                };
                node["items"] = set.Count;
                node["split"] = which.ToString().ToLowerInvariant();
                node["model"] = bundle.Path;
                node["data"] = string.IsNullOrEmpty(loaded.Source) ? "bundled sample" : loaded.Source;
                ctx.Out.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            var ic = CultureInfo.InvariantCulture;
            ctx.Out.WriteLine($"model  {bundle.Path}");
            ctx.Out.WriteLine($"data   {Describe(loaded)}; evaluated on the {which.ToString().ToLowerInvariant()} items ({set.Count}), {distance.Name} distance");
            foreach (var (key, value) in metrics.ToDictionary())
                ctx.Out.WriteLine(string.Create(ic, $"{key,-16} {value:F4}"));
            ctx.Out.WriteLine(string.Create(ic,
                $"verification ({verification.PairCount} pairs, {pairSource}): roc_auc {verification.RocAuc:F4}  tar@far=1e-3 {verification.TarAtFar1e3:F4}  accuracy {verification.BestAccuracy:F4} ± {verification.BestAccuracyStd:F4} (threshold {verification.Threshold:G4})"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
