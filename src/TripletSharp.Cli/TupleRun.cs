using System.Globalization;
using System.Text.Json.Nodes;
using TorchSharp;
using TripletSharp.Components;
using TripletSharp.Data;
using TripletSharp.Distances;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using TripletSharp.Sampling;
using TripletSharp.Training;
using static TorchSharp.torch;

namespace TripletSharp.Cli;

/// <summary><c>--tuples</c> of <c>train</c> and <c>eval</c>: reading the file against the data, the tuple trainer's parts, and the held-out scores.</summary>
internal static class TupleRun
{
    /// <summary>The tuples of <paramref name="path"/> over items named <paramref name="itemNames"/> (a CSV data file resolves bare row ids).</summary>
    public static TupleSet Read(string path, IReadOnlyList<string>? itemNames, string? dataPath)
    {
        if (itemNames is null) throw new DataFormatException(path, "the data has no item names, so tuples cannot be matched to items.");
        return TuplesFile.Read(path, itemNames, dataPath is not null && File.Exists(dataPath) ? dataPath : null);
    }

    /// <summary>
    /// Reads the tuples over the training split, holds out a seeded share by tuple, and gives the trainer its tuple
    /// sampler (batches of at most P·K rows, the class-balanced batch size) and miner.
    /// </summary>
    public static (Trainer Trainer, TupleSet HeldOut, string Summary) Prepare(TrainSettings s, DatasetSplit split)
    {
        var all = Read(s.Tuples!, split.Train.ItemNames, split.Source);
        var (train, heldOut) = all.Split(s.TupleTestFraction, s.Trainer.Seed);
        if (train.Count == 0) throw new DataFormatException(s.Tuples!, $"no tuple is left for training after holding out {s.TupleTestFraction:0.###} of {all.Count}.");
        var (a, p, n) = train.TrainingTriplets(out int unused);
        if (a.Length == 0)
            throw new DataFormatException(s.Tuples!, "no training triplet can be formed: the pairs hold no same=1 pair (a pair file needs positives; its same=0 pairs give negatives to them).");
        var sampler = new TupleBatchSampler(a, p, n, split.Train.Count, s.Trainer.ClassesPerBatch * s.Trainer.SamplesPerClass, s.Trainer.Seed, s.Trainer.BatchesPerEpoch);
        var miner = ComponentRegistry.CreateTupleMiner(s.TupleNegatives, s.Trainer.Margin, ComponentRegistry.CreateDistance(s.Trainer.Distance));
        var trainer = new Trainer(s.Trainer) { Tuples = sampler, TupleMiner = miner };
        var kind = all.Kind == TupleKind.Pairs ? "pairs" : "triplets";
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"tuples: {s.Tuples} ({kind}): {train.Count} for training → {a.Length} triplets ({n.Count(x => x >= 0)} with a negative of their own{(unused > 0 ? $", {unused} same=0 pairs with no positive unused" : "")}), {heldOut.Count} held out; extra negatives {s.TupleNegatives}; class labels not used for training");
        return (trainer, heldOut, summary);
    }

    /// <summary>The file in a run folder that records what a tuple run was trained from.</summary>
    public const string RecordFileName = "tuples.json";

    /// <summary>
    /// Keeps a run folder's training source single: a tuple run records its tuples file (path, SHA-256), extra negatives
    /// and held-out share in <c>tuples.json</c>, and a resume must give the same (a class run must not become a tuple
    /// run, nor the other way round). Called once the data and tuples are read, before training; writes the record for a new run.
    /// </summary>
    public static void CheckOrRecord(TrainSettings s)
    {
        var run = new RunFolder(s.Trainer.OutputDirectory!);
        var path = Path.Combine(run.Directory, RecordFileName);
        string? now = s.Tuples is null ? null : new JsonObject
        {
            ["tuples"] = Path.GetFullPath(s.Tuples),
            ["sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(s.Tuples))),
            ["tuple_negatives"] = s.TupleNegatives,
            ["tuple_test_fraction"] = s.TupleTestFraction,
        }.ToJsonString();
        string? saved = File.Exists(path) ? File.ReadAllText(path) : null;
        if (run.HasCheckpoint && s.Trainer.Resume)
        {
            if (saved != now)
                throw new ArgumentException(saved is null
                    ? $"The run in {run.Directory} was trained from class labels; resume it without --tuples."
                    : $"The run in {run.Directory} was trained from the tuples recorded in {path} ({saved}); resume it with the same --tuples file, --tuple-negatives and --tuple-test-fraction.", "Tuples");
            return;
        }
        if (run.HasCheckpoint) return; // not resumed: the session refuses the folder
        if (now is not null)
        {
            Directory.CreateDirectory(run.Directory);
            AtomicFile.WriteAllText(path, now);
        }
        else if (saved is not null)
        {
            File.Delete(path); // left by a tuple run that never checkpointed
        }
    }

    /// <summary>Embeds the items the tuples name and scores them (triplet accuracy, or pair verification); one line and its JSON.</summary>
    public static (string Line, JsonObject Json) Evaluate(ModelBundle model, Dataset items, TupleSet tuples, BaseDistance distance, string source)
    {
        var named = tuples.Items();
        using var subset = items.Subset(named);
        using var embeddings = model.Embed(subset, dataSource: source);
        var row = new Dictionary<int, int>(named.Length);
        for (int i = 0; i < named.Length; i++) row[named[i]] = i;
        return Evaluate(embeddings, tuples, i => row[i], distance, source);
    }

    /// <summary>Scores the tuples on <paramref name="embeddings"/>, whose row for item i is <paramref name="rowOf"/>(i).</summary>
    public static (string Line, JsonObject Json) Evaluate(Tensor embeddings, TupleSet tuples, Func<int, int> rowOf, BaseDistance distance, string source)
    {
        var ic = CultureInfo.InvariantCulture;
        int[] Rows(IReadOnlyList<int> items) => items.Select(rowOf).ToArray();
        if (tuples.Kind == TupleKind.Triplets)
        {
            double accuracy = TripletAccuracy.Compute(embeddings, Rows(tuples.First), Rows(tuples.Second), Rows(tuples.Third), distance);
            return (string.Create(ic, $"tuples ({tuples.Count} triplets, {source}): triplet_accuracy {(double.IsNaN(accuracy) ? "n/a" : accuracy.ToString("F4", ic))} (share with d_ap < d_an; ties count as wrong)"),
                new JsonObject { ["kind"] = "triplets", ["triplet_accuracy"] = double.IsNaN(accuracy) ? null : accuracy, ["triplet_count"] = tuples.Count, ["tuples"] = source });
        }
        using var scope = torch.NewDisposeScope();
        Tensor Take(IReadOnlyList<int> items) => embeddings.index_select(0, torch.tensor(Rows(items).Select(r => (long)r).ToArray(), ScalarType.Int64, device: embeddings.device));
        var v = new VerificationEvaluator(distance).EvaluatePairs(Take(tuples.First), Take(tuples.Second), tuples.Third.Select(x => x == 1).ToArray());
        return (string.Create(ic, $"tuples ({v.PairCount} pairs, {source}): roc_auc {EvalCommand.Number(v.RocAuc)}  tar@far=1e-3 {EvalCommand.Number(v.TarAtFar1e3)}  {EvalCommand.Accuracy(v)}"),
            new JsonObject
            {
                ["kind"] = "pairs",
                ["roc_auc"] = EvalCommand.Finite(v.RocAuc),
                ["tar_at_far_1e-3"] = EvalCommand.Finite(v.TarAtFar1e3),
                ["accuracy"] = v.PairCount < EvalCommand.MinPairsForAccuracy || !double.IsFinite(v.Threshold) ? null : EvalCommand.Finite(v.BestAccuracy),
                ["pair_count"] = v.PairCount,
                ["tuples"] = source,
            });
    }
}
