using System.Globalization;
using TripletSharp.Components;
using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Sampling;
using TripletSharp.Training;

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
    /// Reads the tuples over the training split, holds out a seeded share by tuple (scored by the trainer when training
    /// ends, <see cref="Trainer.HeldOutTuples"/>), and gives the trainer its tuple sampler (batches of at most P·K rows,
    /// the class-balanced batch size) and miner. Also says what a tuple run uses, for the <c>run:</c> line in place of
    /// the class miner and P×K.
    /// </summary>
    public static (Trainer Trainer, string Summary, string RunPart) Prepare(TrainSettings s, DatasetSplit split)
    {
        var all = Read(s.Tuples!, split.Train.ItemNames, split.Source);
        var (train, heldOut) = all.Split(s.TupleTestFraction, s.Trainer.Seed);
        if (train.Count == 0) throw new DataFormatException(s.Tuples!, $"no tuple is left for training after holding out {s.TupleTestFraction:0.###} of {all.Count}.");
        var (a, p, n) = train.TrainingTriplets(out int unused);
        if (a.Length == 0)
            throw new DataFormatException(s.Tuples!, "no training triplet can be formed: the pairs hold no same=1 pair (a pair file needs positives; its same=0 pairs give negatives to them).");
        var sampler = new TupleBatchSampler(a, p, n, split.Train.Count, s.Trainer.ClassesPerBatch * s.Trainer.SamplesPerClass, s.Trainer.Seed, s.Trainer.BatchesPerEpoch);
        var miner = ComponentRegistry.CreateTupleMiner(s.TupleNegatives, s.Trainer.Margin, ComponentRegistry.CreateDistance(s.Trainer.Distance));
        var trainer = new Trainer(s.Trainer) { Tuples = sampler, TupleMiner = miner, HeldOutTuples = heldOut.Count > 0 ? heldOut : null };
        var kind = all.Kind == TupleKind.Pairs ? "pairs" : "triplets";
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"tuples: {s.Tuples} ({kind}): {train.Count} for training → {a.Length} triplets ({n.Count(x => x >= 0)} with a negative of their own{(unused > 0 ? $", {unused} same=0 pairs with no positive unused" : "")}), {heldOut.Count} held out; extra negatives {s.TupleNegatives}; class labels not used for training");
        var runPart = string.Create(CultureInfo.InvariantCulture,
            $"{kind} file, {train.Count} {kind} → {a.Length} training triplets, extra negatives {s.TupleNegatives}, at most {sampler.BatchRows} rows/batch");
        return (trainer, summary, runPart);
    }

    /// <summary>
    /// Keeps a run folder's training source single (<see cref="RunFolder.CheckOrRecordTuples"/>): a tuple run records its
    /// tuples file (path, SHA-256), extra negatives and held-out share in <c>tuples.json</c>, and a resume must give the same.
    /// </summary>
    public static void CheckOrRecord(TrainSettings s) =>
        new RunFolder(s.Trainer.OutputDirectory!).CheckOrRecordTuples(
            s.Tuples is null ? null : TuplesRecord.Of(s.Tuples, s.TupleNegatives, s.TupleTestFraction), s.Trainer.Resume);

    /// <summary>The printed line of a tuple score (<paramref name="source"/>: where the tuples came from, in words).</summary>
    public static string Line(TupleMetrics m, string source)
    {
        var ic = CultureInfo.InvariantCulture;
        if (m.Verification is not { } v)
            return string.Create(ic, $"tuples ({m.Count} triplets, {source}): triplet_accuracy {(double.IsNaN(m.TripletAccuracy) ? "n/a" : m.TripletAccuracy.ToString("F4", ic))} (share with d_ap < d_an; ties count as wrong)");
        return string.Create(ic, $"tuples ({v.PairCount} pairs, {source}): roc_auc {EvalCommand.Number(v.RocAuc)}  tar@far=1e-3 {EvalCommand.Number(v.TarAtFar1e3)}  {EvalCommand.Accuracy(v)}");
    }
}
