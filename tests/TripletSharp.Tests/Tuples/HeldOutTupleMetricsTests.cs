using System.Text.Json.Nodes;
using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Distances;
using TripletSharp.Mining;
using TripletSharp.Models;
using TripletSharp.Sampling;
using TripletSharp.Tests.Models;
using TripletSharp.Training;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Tuples;

/// <summary>
/// The held-out tuples' score in <c>metrics.json</c> (<c>"tuples"</c>), checked against a plain double-precision
/// computation on the trained model's embeddings, and the run folder's <c>tuples.json</c> written by <see cref="RunFolder"/>.
/// </summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class HeldOutTupleMetricsTests
{
    /// <summary>Three separated clusters of 4-d points, ten each (class c near 3·e_c).</summary>
    private static Dataset Planted()
    {
        var rng = new Random(11);
        const int n = 30;
        var x = new float[n * 4];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 3;
            for (int k = 0; k < 4; k++) x[i * 4 + k] = (float)((k == labels[i] ? 3.0 : 0.0) + rng.NextDouble());
        }
        return new Dataset(torch.tensor(x, [n, 4]), labels, ["c0", "c1", "c2"], DataKind.Vectors);
    }

    private static TrainerOptions Options(string dir) => new()
    {
        Epochs = 2, Model = ModelKind.Mlp, HiddenSizes = [16], EmbeddingDim = 4, Seed = 3, Threads = 1, OutputDirectory = dir,
    };

    /// <summary>Plain double-precision Euclidean distances between the rows of <paramref name="embeddings"/>.</summary>
    private static Func<int, int, double> Distances(Tensor embeddings)
    {
        using var scope = NewDisposeScope();
        var rows = (int)embeddings.shape[0];
        int dim = (int)embeddings.shape[1];
        var v = embeddings.contiguous().data<float>().ToArray();
        return (i, j) =>
        {
            double s = 0;
            for (int k = 0; k < dim; k++)
            {
                double d = (double)v[i * dim + k] - v[j * dim + k];
                s += d * d;
            }
            return Math.Sqrt(s);
        };
    }

    [Fact]
    public void Triplets_HeldOutAccuracyIsInMetricsJson_AndEqualsAPlainCount()
    {
        using var dir = new TestFolder("ts-heldout-triplets");
        using var items = Planted();
        var rng = new Random(4);
        var a = new List<int>(); var p = new List<int>(); var n = new List<int>();
        for (int i = 0; i < items.Count; i++)
        for (int r = 0; r < 2; r++)
        {
            a.Add(i);
            p.Add(Enumerable.Range(0, items.Count).Where(j => j != i && items.Labels[j] == items.Labels[i]).ElementAt(rng.Next(9)));
            // Every fifth triplet is "wrong" (the negative is of the anchor's class), so the accuracy is not simply 1.
            var pool = Enumerable.Range(0, items.Count).Where(j => j != i && j != p[^1] && (a.Count % 5 == 0) == (items.Labels[j] == items.Labels[i])).ToArray();
            n.Add(pool[rng.Next(pool.Length)]);
        }
        var all = TupleSet.FromTriplets(a.ToArray(), p.ToArray(), n.ToArray(), items.Count);
        var (train, heldOut) = all.Split(0.25, 3);
        var (ta, tp, tn) = train.TrainingTriplets(out _);
        var trainer = new Trainer(Options(dir["run"]))
        {
            Tuples = new TupleBatchSampler(ta, tp, tn, items.Count, batchRows: 18, seed: 3),
            TupleMiner = new TupleNegativeMiner(TupleNegatives.Hardest, 0.2, new EuclideanDistance()),
            HeldOutTuples = heldOut,
        };
        using var result = trainer.Fit(items);

        // The reference: the trained model's embeddings of every item, distances in double, d_ap < d_an counted.
        using var embeddings = result.Model!.Embed(items);
        var d = Distances(embeddings);
        int right = 0;
        for (int t = 0; t < heldOut.Count; t++)
        {
            double ap = d(heldOut.First[t], heldOut.Second[t]), an = d(heldOut.First[t], heldOut.Third[t]);
            Assert.True(Math.Abs(ap - an) > 1e-4, "a near tie would make float and double disagree; change the planted data");
            if (ap < an) right++;
        }
        double expected = right / (double)heldOut.Count;
        Assert.InRange(expected, 0.05, 0.95);

        var run = new RunFolder(dir["run"]);
        var tuples = run.ReadTupleMetricsJson()!;
        Assert.Equal("triplets", (string)tuples["kind"]!);
        Assert.Equal(heldOut.Count, (int)tuples["triplet_count"]!);
        Assert.Equal(expected, (double)tuples["triplet_accuracy"]!, 12);
        Assert.Equal(expected, result.TupleMetrics!.TripletAccuracy, 12);
        // No test split: metrics.json holds the tuples' score and the model it was measured on, no retrieval metrics.
        var node = JsonNode.Parse(File.ReadAllText(run.MetricsPath))!.AsObject();
        Assert.Equal(new[] { "tuples", RunFolder.ModelFingerprintKey }, node.Select(kv => kv.Key).ToArray());
        Assert.Equal(run.CurrentModelFingerprint(), (string)node[RunFolder.ModelFingerprintKey]!);
        Assert.Null(run.ReadMetrics());
    }

    [Fact]
    public void Pairs_HeldOutRocAucIsInMetricsJson_AndEqualsAPlainMannWhitneyCount()
    {
        using var dir = new TestFolder("ts-heldout-pairs");
        using var items = Planted();
        using var test = Planted();
        var rng = new Random(6);
        var first = new List<int>(); var second = new List<int>(); var same = new List<bool>();
        for (int i = 0; i < items.Count; i++)
        for (int r = 0; r < 3; r++)
        {
            int j = (i + 1 + rng.Next(items.Count - 1)) % items.Count;
            if (Enumerable.Range(0, first.Count).Any(k => (first[k] == i && second[k] == j) || (first[k] == j && second[k] == i))) continue;
            first.Add(i);
            second.Add(j);
            // One pair in six carries the wrong answer, so the AUC is below 1.
            same.Add((items.Labels[i] == items.Labels[j]) != (first.Count % 6 == 0));
        }
        var all = TupleSet.FromPairs(first.ToArray(), second.ToArray(), same.ToArray(), items.Count);
        var (train, heldOut) = all.Split(0.3, 5);
        var (ta, tp, tn) = train.TrainingTriplets(out _);
        var trainer = new Trainer(Options(dir["run"]))
        {
            Tuples = new TupleBatchSampler(ta, tp, tn, items.Count, batchRows: 18, seed: 3),
            HeldOutTuples = heldOut,
        };
        using var split = new DatasetSplit(items.Subset(Enumerable.Range(0, items.Count).ToArray()), test.Subset(Enumerable.Range(0, test.Count).ToArray()), "", DataFormat.Auto);
        using var result = trainer.Fit(split);

        // The reference: ROC AUC as the share of (same, different) pairs where the same pair is closer, ties counting half.
        using var embeddings = result.Model!.Embed(items);
        var d = Distances(embeddings);
        var sameD = new List<double>(); var diffD = new List<double>();
        for (int t = 0; t < heldOut.Count; t++) (heldOut.Third[t] == 1 ? sameD : diffD).Add(d(heldOut.First[t], heldOut.Second[t]));
        Assert.NotEmpty(sameD);
        Assert.NotEmpty(diffD);
        double wins = 0;
        foreach (var s in sameD)
        foreach (var o in diffD)
            wins += s < o ? 1 : s == o ? 0.5 : 0;
        double auc = wins / (sameD.Count * (double)diffD.Count);
        Assert.InRange(auc, 0.05, 0.999);

        var run = new RunFolder(dir["run"]);
        var tuples = run.ReadTupleMetricsJson()!;
        Assert.Equal("pairs", (string)tuples["kind"]!);
        Assert.Equal(heldOut.Count, (int)tuples["pair_count"]!);
        Assert.Equal(auc, (double)tuples["roc_auc"]!, 6);
        Assert.InRange((double)tuples["accuracy"]!, 0.0, 1.0);
        // With a test split the retrieval metrics come first, as before, and still read back.
        var keys = JsonNode.Parse(File.ReadAllText(run.MetricsPath))!.AsObject().Select(kv => kv.Key).ToArray();
        Assert.Equal("precision_at_1", keys[0]);
        Assert.Equal(new[] { "tuples", RunFolder.ModelFingerprintKey }, keys[^2..]);
        Assert.Equal(result.BestMetrics!.PrecisionAt1, run.ReadMetrics()!.PrecisionAt1);
    }

    [Fact]
    public void TuplesRecord_IsWrittenByTheRunFolder_InTheFormatOldRunsHold()
    {
        using var dir = new TestFolder("ts-tuples-record");
        File.WriteAllText(dir["t.csv"], "anchor,positive,negative\n0,1,2\n");
        var run = new RunFolder(dir["run"]);
        var record = TuplesRecord.Of(dir["t.csv"], "semi-hard", 0.1);
        run.CheckOrRecordTuples(record, resume: false);
        // Byte for byte what the tool wrote before the run folder did (one compact object), so old runs still compare equal.
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(dir["t.csv"])));
        var legacy = new JsonObject { ["tuples"] = Path.GetFullPath(dir["t.csv"]), ["sha256"] = sha, ["tuple_negatives"] = "semi-hard", ["tuple_test_fraction"] = 0.1 }.ToJsonString();
        Assert.Equal(legacy, File.ReadAllText(run.TuplesRecordPath));
        Assert.Equal(record, run.ReadTuplesRecord());
        Assert.Empty(Directory.GetFiles(run.Directory, "*.tmp*"));

        // A class-label run in the folder (never checkpointed) drops the stale record.
        run.CheckOrRecordTuples(null, resume: false);
        Assert.False(File.Exists(run.TuplesRecordPath));

        // A damaged record names its file.
        Directory.CreateDirectory(run.Directory);
        File.WriteAllText(run.TuplesRecordPath, "{\"tuples\": 3}");
        var e = Assert.Throws<ModelFormatException>(() => run.ReadTuplesRecord());
        Assert.Contains(run.TuplesRecordPath, e.Message);
    }
}
