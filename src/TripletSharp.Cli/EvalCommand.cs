using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Mining;
using TripletSharp.Models;
using TripletSharp.Components;
using TripletSharp.Training;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary><c>triplet eval</c>: retrieval metrics (and pair verification) of a saved model on a dataset's test split.</summary>
internal static class EvalCommand
{
    public static Command Create(CliContext ctx)
    {
        var t = new OptionTable();
        var model = t.Add(CommonOptions.ModelFolder());
        var data = t.Add(CommonOptions.Data("Dataset to evaluate on (default: the data the model was trained on)."), nameof(DataOptions.Path));
        var format = t.Add(CommonOptions.Format("Data format: auto, idx, folder, csv, or interactions (a recommender of 'train --format interactions' on its ratings CSV).", InteractionsTraining.FormatName), nameof(DataOptions.Format));
        var classes = t.Add(CommonOptions.Classes(), nameof(DataOptions.Classes));
        var split = t.Add(Choice("--split", "Which items to evaluate on.", "test", ["test", "train", "all"]));
        var pairs = t.Add(Optional<string>("--pairs", "CSV of labelled pairs 'path1,path2,same' for verification (default: all pairs of the evaluated items)."));
        var tuples = t.Add(Optional<string>("--tuples", "CSV of tuples to score: 'anchor,positive,negative' triplets (triplet accuracy) or 'a,b,same' pairs (verification), naming items as train --tuples does."));
        var json = t.Add(CommonOptions.Json());
        var command = t.CreateCommand("eval", "Evaluate a saved model: precision@1, R-precision, MAP@R, recall@k, NMI, k-NN accuracy, and pair verification.");
        command.SetAction(parse =>
        {
            if (parse.GetValue(format) == InteractionsTraining.FormatName)
                return InteractionsTraining.Evaluate(ctx, t, parse, parse.GetValue(model)!, parse.GetValue(data), parse.GetValue(json));
            using var bundle = ModelBundle.Load(parse.GetValue(model)!);
            // A model folder inside a run folder must be the run's own (its metrics.json and checkpoint name it).
            RunFolder.Containing(bundle.Path!)?.VerifyModelFingerprint(line => ctx.Err.WriteLine($"triplet eval: note: {line}"));
            var dataPath = parse.GetValue(data);
            var dataOptions = DataFor(bundle.Input.Data, dataPath, parse.GetValue(format), CommonOptions.ParseClasses(parse.GetValue(classes)));
            var which = Enum.Parse<SplitSelection>(parse.GetValue(split)!, ignoreCase: true);
            using var set = Embed(bundle, dataOptions, which, dataPath is not null);
            var distance = ComponentRegistry.CreateDistance(bundle.DistanceName);
            // Multi-label data (a '|' in the CSV label cells): relevant = shares a label; metrics.json says "labels": "multi-label".
            var metrics = set.LabelSets is null ? new RetrievalEvaluator(distance).Evaluate(set.Embeddings, set.Labels) : new RetrievalEvaluator(distance).Evaluate(set.Embeddings, ItemRelation.SharedLabel(set.LabelSets));

            VerificationMetrics verification;
            string pairSource;
            if (parse.GetValue(pairs) is { } pairsPath)
            {
                using var all = which == SplitSelection.All ? null : Embed(bundle, dataOptions, SplitSelection.All, dataPath is not null);
                var source = all ?? set;
                var (first, second, same) = PairMatcher.Match(pairsPath, source);
                using (first)
                using (second)
                    verification = new VerificationEvaluator(distance).EvaluatePairs(first, second, same);
                pairSource = pairsPath;
            }
            else
            {
                // Multi-label data: a pair is "same" when it shares a label, as for the retrieval metrics.
                verification = set.LabelSets is null
                    ? new VerificationEvaluator(distance).EvaluateAllPairs(set.Embeddings, set.Labels)
                    : new VerificationEvaluator(distance).EvaluateAllPairs(set.Embeddings, ItemRelation.SharedLabel(set.LabelSets));
                pairSource = $"all pairs of the {which.ToString().ToLowerInvariant()} items";
            }

            TupleMetrics? tupleScore = null;
            if (parse.GetValue(tuples) is { } tuplesPath)
            {
                using var all = which == SplitSelection.All ? null : Embed(bundle, dataOptions, SplitSelection.All, dataPath is not null);
                var source = all ?? set;
                tupleScore = TupleRun.Read(tuplesPath, source.ItemNames, dataOptions.Path).Score(source.Embeddings, null, distance, tuplesPath);
            }

            if (parse.GetValue(json))
            {
                var node = metrics.ToJsonNode();
                if (tupleScore is { } ts) node["tuples"] = ts.ToJsonNode();
                node["verification"] = new JsonObject
                {
                    ["roc_auc"] = Finite(verification.RocAuc),
                    ["tar_at_far_1e-3"] = Finite(verification.TarAtFar1e3),
                    ["accuracy"] = verification.HasAccuracy ? Finite(verification.BestAccuracy) : null,
                    ["accuracy_std"] = verification.HasAccuracy ? Finite(verification.BestAccuracyStd) : null,
                    ["threshold"] = Finite(verification.Threshold),
                    ["pair_count"] = verification.PairCount,
                    ["pairs"] = pairSource,
                };
                node["items"] = set.Count;
                // Multi-label data: the evaluated items' label counts, with the keys config.json records them under.
                if (set.LabelSets is { } evaluatedSets)
                    node["label_counts"] = JsonSerializer.SerializeToNode(LabelCounts.Of(evaluatedSets, set.ClassNames.Count), LabelCountsJson);
                node["split"] = which.ToString().ToLowerInvariant();
                node["model"] = bundle.Path;
                node["data"] = dataOptions.Path ?? "bundled sample";
                ctx.Out.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            var ic = CultureInfo.InvariantCulture;
            ctx.Out.WriteLine($"model  {bundle.Path}");
            ctx.Out.WriteLine($"data   {Describe(set, dataOptions)}; evaluated on the {which.ToString().ToLowerInvariant()} items, {distance.Name} distance");
            if (set.LabelSets is { } labelSets)
                ctx.Out.WriteLine($"       {LabelCounts.Of(labelSets, set.ClassNames.Count).Describe(set.ClassNames)}");
            if (metrics.Labels is not null)
                ctx.Out.WriteLine($"labels {metrics.Labels}: relevant = shares a label with the query (knn_accuracy and nmi need one class per item)");
            foreach (var (key, value) in metrics.ToDictionary())
                ctx.Out.WriteLine(double.IsNaN(value)
                    ? $"{key,-16} n/a (cannot be computed: no query has a same-class neighbour in these items)"
                    : string.Create(ic, $"{key,-16} {value:F4}"));
            ctx.Out.WriteLine(string.Create(ic,
                $"verification ({verification.PairCount} pairs, {pairSource}): roc_auc {Number(verification.RocAuc)}  tar@far=1e-3 {Number(verification.TarAtFar1e3)}  {Accuracy(verification)}"));
            if (tupleScore is { } score) ctx.Out.WriteLine(TupleRun.Line(score, score.Source!));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static readonly JsonSerializerOptions LabelCountsJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    internal static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    internal static string Number(double v) => double.IsFinite(v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>The 10-fold accuracy, or why there is none: too few pairs, or no finite threshold (one kind of pair only).</summary>
    internal static string Accuracy(VerificationMetrics v)
    {
        if (v.PairCount < VerificationMetrics.MinPairsForAccuracy) return $"accuracy n/a (too few pairs for 10-fold: {v.PairCount}, at least {VerificationMetrics.MinPairsForAccuracy} needed)";
        if (!double.IsFinite(v.Threshold) || !double.IsFinite(v.BestAccuracy)) return "accuracy n/a (no finite threshold: the pairs need both same and different ones)";
        return string.Create(CultureInfo.InvariantCulture, $"accuracy {v.BestAccuracy:F4} ± {v.BestAccuracyStd:F4} (threshold {v.Threshold:G4})");
    }
}
