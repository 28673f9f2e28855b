using TripletSharp.Distances;
using TripletSharp.Evaluation;
using TripletSharp.Reporting;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Suite <c>report</c>: the HTML report's time per part (roc, pca, tsne, knn, histograms, thumbnails, json, html) for
/// 2,000 and 10,000 synthetic test points (64-d class clusters, 10 classes, 28×28 grey images), with the t-SNE
/// variants of <c>--report-variants</c> run alternately in one process (A B … B A): <c>bh</c> (Barnes–Hut, the report
/// of session 5), <c>fft</c> (FFT-interpolated repulsion), <c>auto</c> (the default: FFT from
/// <see cref="TsneOptions.FftMinPoints"/> points) and <c>sklearn</c> (the report before session 5: scikit-learn's
/// 1,000 iterations at one step size, the ROC through the full verification evaluation), <c>bh-exact</c> (θ = 0: the
/// exact repulsion, O(N²) per iteration, the yardstick of both approximations). Besides the seconds: the map's
/// KL divergence (the sparse P the report states) and, up to 2,000 points, under the exact method's dense P; and the
/// leave-one-out 1-NN accuracy of the 2-D map, which says whether the map still separates the classes.
/// <c>--report-n</c> picks the sizes.
/// </summary>
internal sealed class ReportSuite
{
    private const int Classes = 10;
    private static readonly string[] Variants = ["bh", "fft", "direct", "auto", "sklearn", "bh-exact"];
    private static readonly string[] Parts = ["roc", "pca", "tsne", "knn", "histograms", "thumbnails", "json", "html"];

    private readonly BenchmarkOptions _options;
    private readonly Reporter _reporter;

    public ReportSuite(BenchmarkOptions options, Reporter reporter)
    {
        _options = options;
        _reporter = reporter;
    }

    public void Run()
    {
        var sizes = _options.ReportN ?? (_options.Quick ? [2000] : [2000, 10000]);
        var columns = new List<Column>
        {
            new("n", "points", "0"),
            new("variant", "variant", Width: 7, Left: true),
        };
        columns.AddRange(Parts.Select(p => new Column(p, p, "0.00")));
        columns.Add(new Column("total_s", "total s", "0.00"));
        columns.Add(new Column("cpu_s", "cpu s", "0.00"));
        columns.Add(new Column("kl", "KL", "0.0000"));
        columns.Add(new Column("kl_exact_p", "KL exact P", "0.0000"));
        columns.Add(new Column("map_1nn", "map 1-NN", "0.000"));
        _reporter.BeginTable("report: seconds per part (wall), synthetic 64-d clusters with 28×28 images, 10 classes", columns.ToArray());
        foreach (int n in sizes)
        {
            using var scope = NewDisposeScope();
            var (embeddings, labels) = SyntheticData.ClusteredEmbeddings(n, 64, Classes, seed: 7);
            var images = Images(labels);
            var distances = new[] { RunReport.Measure(embeddings, labels, new EuclideanDistance(), 1) };
            var chosen = _options.ReportVariants ?? ["bh", "auto"];
            foreach (var variant in chosen.Concat(Enumerable.Reverse(chosen)))
            {
                Reporter.Progress($"report: {n} points, {variant}");
                var row = Once(n, variant, embeddings, labels, images, distances);
                _reporter.Write(row);
            }
        }
    }

    /// <summary>The variants named in <paramref name="value"/> (comma-separated), or an error naming <paramref name="option"/>.</summary>
    internal static string[] ParseVariants(string option, string value)
    {
        var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => v.ToLowerInvariant()).ToArray();
        var bad = names.FirstOrDefault(v => !Variants.Contains(v));
        if (names.Length == 0 || bad is not null)
            throw new ArgumentException($"{option} takes {string.Join(", ", Variants)}, got '{bad ?? value}'.");
        return names;
    }

    private static Row Once(int n, string variant, Tensor embeddings, long[] labels, Tensor images, EpochDistances[] distances)
    {
        var timings = new ReportTimings();
        var distance = new EuclideanDistance();
        bool old = variant == "sklearn";
        var roc = timings.Measure("roc", () => !old
            ? RocCurve.AllPairs(embeddings, labels, distance)
            : RocCurve.FromMetrics(new VerificationEvaluator(distance).EvaluateAllPairs(embeddings, labels)));
        var data = new ReportData
        {
            Summary = new Dictionary<string, string> { ["data"] = "synthetic" },
            Metrics = new Dictionary<string, double>(),
            Distances = distances,
            Margin = 0.2,
            Embeddings = embeddings,
            Labels = labels,
            ClassNames = Enumerable.Range(0, Classes).Select(c => $"class {c}").ToArray(),
            Images = images,
            Roc = roc,
        };
        var tsne = variant switch
        {
            "bh" => new TsneOptions { Method = TsneMethod.BarnesHut },
            // θ = 0: the sparse-P gradient with the exact O(N²) repulsion, the yardstick of both approximations.
            "bh-exact" => new TsneOptions { Method = TsneMethod.BarnesHut, Theta = 0 },
            "fft" => new TsneOptions { Method = TsneMethod.Fft },
            "direct" => new TsneOptions { Method = TsneMethod.Direct },
            "auto" => new TsneOptions(),
            // One step size for both phases (scikit-learn's "auto") over 1,000 iterations.
            _ => new TsneOptions { Method = TsneMethod.BarnesHut, Iterations = 1000, ExaggerationIterations = 250, LearningRate = Math.Max(n / 12.0 / 4.0, 50) },
        };
        var options = new ReportOptions { MaxMapPoints = n, Tsne = tsne };
        var path = Path.Combine(Path.GetTempPath(), $"tripletsharp-report-suite-{Environment.ProcessId}.html");
        try
        {
            var model = HtmlReportWriter.WriteWithModel(path, data, options, timings);
            var row = new Row("report").Set("n", n).Set("variant", variant);
            foreach (var p in Parts) row.Set(p, timings.Seconds(p));
            row.Set("total_s", timings.TotalSeconds).Set("cpu_s", timings.Parts.Sum(p => p.CpuSeconds)).Set("kl", timings.TsneKlDivergence);
            if (model.TsnePoints is { } map)
            {
                var y = map.SelectMany(p => new double[] { p[0], p[1] }).ToArray();
                row.Set("map_1nn", OneNearestNeighbourAccuracy(y, labels));
                if (n <= 2000) row.Set("kl_exact_p", ExactKl(embeddings, y, tsne));
            }
            return row;
        }
        finally { File.Delete(path); }
    }

    /// <summary>KL(P‖Q) of a map under the exact method's dense P (the same perplexity), in float64.</summary>
    private static double ExactKl(Tensor x, double[] y, TsneOptions options)
    {
        using var scope = NewDisposeScope();
        var p = Tsne.JointProbabilities(Tsne.SquaredDistances(x.to_type(ScalarType.Float64)), Tsne.EffectivePerplexity(options.Perplexity, x.shape[0]));
        return Tsne.KlDivergence(p, tensor(y, [y.Length / 2, 2], ScalarType.Float64));
    }

    /// <summary>Leave-one-out 1-NN accuracy of the 2-D points (x0, y0, x1, y1, …): a plain double loop, ties to the lower index.</summary>
    internal static double OneNearestNeighbourAccuracy(double[] y, long[] labels)
    {
        int n = labels.Length;
        var hit = new int[n];
        Parallel.For(0, n, i =>
        {
            double best = double.PositiveInfinity;
            int at = -1;
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1], d = dx * dx + dy * dy;
                if (d < best) { best = d; at = j; }
            }
            hit[i] = labels[at] == labels[i] ? 1 : 0;
        });
        return hit.Sum() / (double)n;
    }

    /// <summary>N×1×28×28 images in [0, 1]: a class-dependent stripe pattern with seeded noise, so PNGs compress like real thumbnails.</summary>
    private static Tensor Images(long[] labels)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(11);
        var grid = arange(28, dtype: ScalarType.Float32);
        var rows = grid.view(28, 1).expand(28, 28);
        var cols = grid.view(1, 28).expand(28, 28);
        var patterns = stack(Enumerable.Range(0, Classes).Select(c => (rows * (c + 1) / 28.0 + cols * (Classes - c) / 28.0).sin().abs()).ToArray());
        var lab = tensor(labels);
        var x = patterns.index_select(0, lab).unsqueeze(1) + 0.1 * rand([labels.Length, 1, 28, 28], generator: g);
        return x.clamp(0, 1).MoveToOuterDisposeScope();
    }
}
