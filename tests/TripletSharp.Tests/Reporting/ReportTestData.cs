using TripletSharp.Evaluation;
using TripletSharp.Reporting;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Reporting;

/// <summary>Synthetic report inputs: Gaussian class blobs with a duplicate pair and a lone class, images that encode the class, a history, distances and a ROC.</summary>
internal static class ReportTestData
{
    internal const int Dim = 12;

    /// <summary>Class-blob embeddings in double precision (the test's reference copy) plus labels.</summary>
    internal static (double[][] X, long[] Labels) Blobs(int perClass, int classes, int seed, double spread = 0.35)
    {
        var rng = new Random(seed);
        var centres = new double[classes][];
        for (int c = 0; c < classes; c++) centres[c] = Enumerable.Range(0, Dim).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        var x = new List<double[]>();
        var labels = new List<long>();
        for (int c = 0; c < classes; c++)
            for (int i = 0; i < perClass; i++)
            {
                x.Add(centres[c].Select(v => v + Normal(rng) * spread).ToArray());
                labels.Add(c);
            }
        // A lone class (one item) and an exact duplicate of item 0.
        x.Add(Enumerable.Range(0, Dim).Select(_ => rng.NextDouble() * 4 - 2).ToArray());
        labels.Add(classes);
        x.Add((double[])x[0].Clone());
        labels.Add(labels[0]);
        return (x.ToArray(), labels.ToArray());
    }

    internal static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Values exactly representable in float32, so the tensor and the double reference hold the same numbers.</summary>
    internal static double[][] ToFloatPrecision(double[][] x) => x.Select(r => r.Select(v => (double)(float)v).ToArray()).ToArray();

    /// <summary>Leave-one-out 1-NN in a 2-D map (x0, y0, x1, y1, …), a double loop over the items of classes below <paramref name="classes"/>: hits and items counted.</summary>
    internal static (int Correct, int Counted) MapOneNn(float[] y, long[] labels, int classes)
    {
        int correct = 0, counted = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classes) continue; // the lone item has no class mate
            int best = -1; double bestD = double.MaxValue;
            for (int j = 0; j < labels.Length; j++)
            {
                if (j == i) continue;
                double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1], d = dx * dx + dy * dy;
                if (d < bestD) { bestD = d; best = j; }
            }
            counted++;
            if (labels[best] == labels[i]) correct++;
        }
        return (correct, counted);
    }

    internal static Tensor ToTensor(double[][] x) => tensor(x.SelectMany(r => r.Select(v => (float)v)).ToArray(), [x.Length, x[0].Length]);

    /// <summary>N×C×H×W images in [0, 1]: a per-class pattern plus per-item noise.</summary>
    internal static Tensor Images(long[] labels, int channels, int size, int seed)
    {
        var rng = new Random(seed);
        var v = new float[labels.Length * channels * size * size];
        int p = 0;
        for (int i = 0; i < labels.Length; i++)
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < size; y++)
                    for (int xx = 0; xx < size; xx++)
                    {
                        bool on = ((xx / 4) + (y / 4) + labels[i] + c) % 3 == 0;
                        v[p++] = (float)Math.Clamp((on ? 0.85 : 0.1) + (rng.NextDouble() - 0.5) * 0.2, 0, 1);
                    }
        return tensor(v, [labels.Length, channels, size, size]);
    }

    internal static List<HistoryRow> History(int epochs)
    {
        var rows = new List<HistoryRow>();
        for (int e = 1; e <= epochs; e++)
            rows.Add(new HistoryRow(e, new Dictionary<string, double>
            {
                ["loss"] = 0.9 / e + 0.013 * e,
                ["active_fraction"] = 0.8 * Math.Exp(-0.2 * e),
                ["precision_at_1"] = e == 3 ? double.NaN : 0.5 + 0.04 * e,
                ["map_at_r"] = e == 3 ? double.NaN : 0.3 + 0.05 * e - 0.001 * e * e,
                ["seconds"] = 1.25 * e,
            }));
        return rows;
    }

    internal static EpochDistances Distances(int epoch, double apMean, double anMean, int seed)
    {
        var rng = new Random(seed);
        var ap = Enumerable.Range(0, 400).Select(_ => (float)Math.Abs(apMean + 0.2 * Normal(rng))).ToList();
        var an = Enumerable.Range(0, 1600).Select(_ => (float)Math.Abs(anMean + 0.3 * Normal(rng))).ToList();
        ap.Add(float.NaN);
        an.Add(ap[0]); // a tie across the two kinds
        return new EpochDistances(epoch, ap.ToArray(), an.ToArray());
    }

    /// <summary>A ROC from synthetic scores: positives score higher on average.</summary>
    internal static RocCurve Roc(int seed)
    {
        var rng = new Random(seed);
        var pos = Enumerable.Range(0, 3000).Select(_ => 1.5 + Normal(rng)).ToArray();
        var neg = Enumerable.Range(0, 20000).Select(_ => Normal(rng)).ToArray();
        var all = pos.Select(s => (s, true)).Concat(neg.Select(s => (s, false))).OrderByDescending(t => t.s).ToArray();
        var fpr = new List<double> { 0 }; var tpr = new List<double> { 0 };
        int tp = 0, fp = 0;
        foreach (var (_, same) in all)
        {
            if (same) tp++; else fp++;
            fpr.Add(fp / (double)neg.Length); tpr.Add(tp / (double)pos.Length);
        }
        double auc = 0;
        for (int i = 1; i < fpr.Count; i++) auc += (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2;
        double tar = 0;
        for (int i = 0; i < fpr.Count; i++) if (fpr[i] <= 1e-3) tar = Math.Max(tar, tpr[i]);
        return new RocCurve(fpr.ToArray(), tpr.ToArray(), auc, tar);
    }

    internal static ReportData Build(double[][] x, long[] labels, int classes, Tensor? images, string distance = "euclidean")
    {
        var names = Enumerable.Range(0, classes).Select(c => c == 2 ? "class <b>&amp; \"two\"" : $"class {c}").ToList();
        names.Add("lone class");
        return new ReportData
        {
            Title = "Synthetic run",
            Summary = new Dictionary<string, string>
            {
                ["data"] = "synthetic blobs", ["model"] = "mlp 12→12", ["miner"] = "batch-hard", ["loss"] = "triplet-margin",
                ["distance"] = distance, ["margin"] = "0.2", ["epochs"] = "10", ["time"] = "12.5 s",
            },
            Metrics = new Dictionary<string, double>
            {
                ["precision_at_1"] = 0.8765432101234, ["r_precision"] = 0.71, ["map_at_r"] = 0.6543219, ["recall_at_1"] = 0.8765432101234,
                ["recall_at_2"] = 0.91, ["recall_at_4"] = 0.95, ["recall_at_8"] = 0.98, ["nmi"] = 0.7777, ["knn_accuracy"] = 0.88,
            },
            History = History(10),
            Distances = [Distances(1, 0.9, 1.1, 5), Distances(10, 0.4, 1.4, 6)],
            Margin = 0.2,
            Embeddings = ToTensor(x),
            Labels = labels,
            ClassNames = names,
            ItemIds = labels.Select((_, i) => $"item-{i:D4}.png").ToArray(),
            Images = images,
            DistanceName = distance,
            Roc = Roc(7),
        };
    }
}
