using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using TorchSharp;
using TripletSharp.Components;
using TripletSharp.Distances;
using TripletSharp.Search;
using static TorchSharp.torch;

namespace TripletSharp.Reporting;

/// <summary>What the report computes from <see cref="ReportData"/>: map sample and projections, gallery, confusion, bins, thumbnails, and the page's JSON.</summary>
internal sealed class ReportModel
{
    internal sealed record GalleryQuery(int Query, long[] Neighbors, double[] Values);

    private static readonly string[] Palette =
    [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
    ];

    public required int[] MapIndices { get; init; }
    public required float[][] PcaPoints { get; init; }
    public float[][]? TsnePoints { get; init; }
    public bool HasTsne => TsnePoints is not null;
    public required string PcaNote { get; init; }
    public required string TsneNote { get; init; }
    public required IReadOnlyList<GalleryQuery> Gallery { get; init; }
    public required int GalleryK { get; init; }
    public required long[][] Confusion { get; init; }
    public DistanceHistogram? Histogram { get; init; }
    public double? Margin { get; init; }
    public required Dictionary<int, string> Thumbs { get; init; }
    public string Json { get; private set; } = "";

    /// <summary>Class colour: Tableau 20 for up to 20 classes, evenly spaced hues beyond.</summary>
    internal static string Color(int c, int classes)
    {
        if (classes <= Palette.Length) return Palette[c];
        double hue = (c * 360.0 / classes) % 360;
        double light = c % 2 == 0 ? 45 : 62;
        return string.Create(CultureInfo.InvariantCulture, $"hsl({hue:0.#},65%,{light}%)");
    }

    /// <summary>Seeded sample of at most <paramref name="max"/> of <paramref name="n"/> indices, ascending.</summary>
    internal static int[] Sample(int n, int max, int seed)
    {
        if (n <= max) return Enumerable.Range(0, n).ToArray();
        var idx = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(idx);
        var pick = idx.AsSpan(0, max).ToArray();
        Array.Sort(pick);
        return pick;
    }

    internal static ReportModel Build(ReportData data, ReportOptions options, ReportTimings? timings = null)
    {
        timings ??= new ReportTimings();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        int n = data.Count;
        var distance = ComponentRegistry.CreateDistance(data.DistanceName);
        var emb = data.Embeddings.detach();

        var mapIdx = Sample(n, options.MaxMapPoints, options.Seed);
        var sample = emb.index_select(0, torch.tensor(mapIdx.Select(i => (long)i).ToArray(), device: emb.device));
        // In float64, as t-SNE's initialisation wants it: the one PCA serves both the PCA map and t-SNE.
        var (pca, ratio) = timings.Measure("pca", () => Pca.Fit(sample.to_type(ScalarType.Float64), 2));
        var pcaPts = ToPoints(pca);
        string pcaNote = string.Create(CultureInfo.InvariantCulture, $"explained variance {ratio[0] * 100:0.0}% + {ratio[1] * 100:0.0}%");

        float[][]? tsnePts = null;
        string tsneNote;
        if (!options.ComputeTsne) tsneNote = "not computed (disabled)";
        else if (mapIdx.Length < 5) tsneNote = "not computed (fewer than 5 points)";
        else
        {
            var tsneOptions = options.Tsne with { Seed = options.Seed };
            var (y, kl) = timings.Measure("tsne", () => new Tsne(tsneOptions).FitWithDivergence(sample, pca));
            timings.TsneKlDivergence = kl;
            tsnePts = ToPoints(y);
            tsneNote = string.Create(CultureInfo.InvariantCulture,
                $"perplexity {Tsne.EffectivePerplexity(tsneOptions.Perplexity, mapIdx.Length):0.#}, {tsneOptions.Iterations} iterations, KL {kl:0.000}");
        }

        var gallery = new List<GalleryQuery>();
        int k = Math.Min(options.GalleryNeighbors, n - 1);
        int classes = data.ClassNames.Count;
        var confusion = new long[classes][];
        for (int c = 0; c < classes; c++) confusion[c] = new long[classes];
        timings.Measure("knn", () =>
        {
            if (n < 2) return;
            var queries = Sample(n, options.GalleryQueries, options.Seed + 1);
            var (gi, gv) = Neighbours(emb, queries, k, distance, data.NormalizeEmbeddings);
            for (int q = 0; q < queries.Length; q++) gallery.Add(new GalleryQuery(queries[q], gi[q], gv[q]));
            var (top1, _) = Neighbours(emb, Enumerable.Range(0, n).ToArray(), 1, distance, data.NormalizeEmbeddings);
            for (int i = 0; i < n; i++) confusion[data.Labels[i]][data.Labels[top1[i][0]]]++;
        });

        DistanceHistogram? hist = data.Distances.Count > 0
            ? timings.Measure("histograms", () => DistanceHistogram.Build(data.Distances, data.Margin, options.HistogramBins))
            : null;

        var thumbs = new Dictionary<int, string>();
        if (data.Images is not null)
        {
            var need = new SortedSet<int>(mapIdx);
            foreach (var g in gallery) { need.Add(g.Query); foreach (var j in g.Neighbors) need.Add((int)j); }
            thumbs = timings.Measure("thumbnails", () => Thumbnails.DataUris(data.Images, need.ToArray(), options.ThumbnailSize));
        }

        var model = new ReportModel
        {
            MapIndices = mapIdx, PcaPoints = pcaPts, TsnePoints = tsnePts, PcaNote = pcaNote, TsneNote = tsneNote,
            Gallery = gallery, GalleryK = k, Confusion = confusion, Histogram = hist, Margin = data.Margin, Thumbs = thumbs,
        };
        model.Json = timings.Measure("json", () => model.ToJson(data));
        return model;
    }

    /// <summary>
    /// The <paramref name="k"/> nearest other items of each query row, nearest first, ties to the lower index: the Search
    /// layer's exact k-NN on float64 copies, so the page shows the neighbours a double-precision loop finds.
    /// </summary>
    internal static (long[][] Indices, double[][] Values) Neighbours(Tensor embeddings, IReadOnlyList<int> queries, int k, BaseDistance distance, bool normalize)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = embeddings.detach().to_type(ScalarType.Float64);
        if (normalize) x = nn.functional.normalize(x, 2, 1);
        var indices = new long[queries.Count][];
        var values = new double[queries.Count][];
        if (queries.Count == x.shape[0] && queries.Select((q, i) => q == i).All(same => same))
        {
            // Every item: query i is gallery row i, excluded by index.
            using var all = ExactKnn.Search(x, x, k, distance, excludeSelf: true);
            Rows(all, k, r => -1, indices, values);
            return (indices, values);
        }
        // A sample: k + 1 neighbours and the query's own row dropped by index (the last column when it is not among them).
        var q = x.index_select(0, torch.tensor(queries.Select(i => (long)i).ToArray(), device: x.device));
        using var found = ExactKnn.Search(q, x, k + 1, distance);
        Rows(found, k, r => queries[r], indices, values);
        return (indices, values);
    }

    /// <summary>Copies each row of <paramref name="found"/> without the column holding <paramref name="self"/>(row) (the last one when it is absent); all of it when that is negative.</summary>
    private static void Rows(KnnResult found, int k, Func<int, long> self, long[][] indices, double[][] values)
    {
        int width = (int)found.Indices.shape[1];
        var idx = found.Indices.cpu().data<long>().ToArray();
        var val = found.Distances.cpu().to_type(ScalarType.Float64).data<double>().ToArray();
        for (int r = 0; r < indices.Length; r++)
        {
            long own = self(r);
            int at = own < 0 ? -1 : Array.IndexOf(idx, own, r * width, width);
            int drop = own < 0 ? -1 : at >= 0 ? at - r * width : width - 1;
            indices[r] = new long[k];
            values[r] = new double[k];
            for (int c = 0, j = 0; c < width; c++)
            {
                if (c == drop) continue;
                indices[r][j] = idx[r * width + c];
                values[r][j++] = val[r * width + c];
            }
        }
    }

    /// <summary>Rows of an N×2 tensor, rescaled to [0, 1000] on the wider axis (aspect kept) and rounded to keep the page small.</summary>
    private static float[][] ToPoints(Tensor xy)
    {
        var v = xy.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        int n = v.Length / 2;
        double minX = double.MaxValue, maxX = double.MinValue, minY = double.MaxValue, maxY = double.MinValue;
        for (int i = 0; i < n; i++)
        {
            minX = Math.Min(minX, v[2 * i]); maxX = Math.Max(maxX, v[2 * i]);
            minY = Math.Min(minY, v[2 * i + 1]); maxY = Math.Max(maxY, v[2 * i + 1]);
        }
        double span = Math.Max(maxX - minX, maxY - minY);
        if (!(span > 0)) span = 1;
        var pts = new float[n][];
        for (int i = 0; i < n; i++)
            pts[i] = [(float)Math.Round((v[2 * i] - minX) / span * 1000, 2), (float)Math.Round((v[2 * i + 1] - minY) / span * 1000, 2)];
        return pts;
    }

    private static double? Nullable(double v) => double.IsFinite(v) ? v : null;

    private string ToJson(ReportData data)
    {
        var curves = HtmlReportWriter.CurveColumns.Select(c => new
        {
            key = c.Key,
            title = c.Title,
            points = data.History.Where(r => r.Values.TryGetValue(c.Key, out var v) && double.IsFinite(v)).Select(r => new[] { r.Epoch, r.Values[c.Key] }).ToArray(),
        }).ToArray();
        var cols = HtmlReportWriter.HistoryColumns(data);
        var mapLabels = MapIndices.Select(i => data.Labels[i]).ToArray();
        object? roc = null;
        if (data.Roc is { } r && r.FalsePositiveRates.Length > 0)
        {
            var (fpr, tpr) = DownsampleRoc(r.FalsePositiveRates, r.TruePositiveRates);
            roc = new { fpr, tpr, auc = Nullable(r.Auc), tar = Nullable(r.TarAtFar1e3), far = 1e-3, pointCount = r.FalsePositiveRates.Length };
        }
        var payload = new
        {
            title = data.Title,
            summary = data.Summary.Select(kv => new[] { kv.Key, kv.Value }).ToArray(),
            metrics = data.Metrics.ToDictionary(kv => kv.Key, kv => Nullable(kv.Value)),
            history = new
            {
                columns = cols,
                rows = data.History.Select(r => new { epoch = r.Epoch, values = cols.Select(c => r.Values.TryGetValue(c, out var v) ? Nullable(v) : null).ToArray() }).ToArray(),
            },
            curves,
            histogram = Histogram is null ? null : new
            {
                edges = Histogram.Edges,
                margin = Margin,
                epochs = Histogram.Epochs.Select(e => new { epoch = e.Epoch, ap = e.AnchorPositive, an = e.AnchorNegative, dropped = e.DroppedNonFinite, apMean = Nullable(e.MeanAnchorPositive), anMean = Nullable(e.MeanAnchorNegative) }).ToArray(),
            },
            classes = data.ClassNames,
            colors = Enumerable.Range(0, data.ClassNames.Count).Select(c => Color(c, data.ClassNames.Count)).ToArray(),
            map = new
            {
                index = MapIndices,
                label = mapLabels,
                id = MapIndices.Select(data.ItemId).ToArray(),
                pca = PcaPoints,
                tsne = TsnePoints,
            },
            thumbs = Thumbs.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value),
            confusion = Confusion,
            roc,
        };
        var json = JsonSerializer.Serialize(payload, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        // '<' only occurs inside JSON strings, where \u003c means the same; this keeps "</script>" out of the page.
        return json.Replace("<", "\\u003c", StringComparison.Ordinal);
    }

    /// <summary>Keeps at most about 600 points of a long ROC: one per step in log(FPR) or TPR of the drawn scale, plus both ends.</summary>
    internal static (double[] Fpr, double[] Tpr) DownsampleRoc(double[] fpr, double[] tpr)
    {
        if (fpr.Length <= 600) return (fpr.Select(Finite).ToArray(), tpr.Select(Finite).ToArray());
        var fx = new List<double>(); var ty = new List<double>();
        double lastX = double.NaN, lastY = double.NaN;
        for (int i = 0; i < fpr.Length; i++)
        {
            double x = fpr[i] > 0 ? Math.Log10(fpr[i]) : -12, y = tpr[i];
            bool keep = i == 0 || i == fpr.Length - 1 || !(Math.Abs(x - lastX) < 0.02) || !(Math.Abs(y - lastY) < 0.005);
            if (!keep) continue;
            fx.Add(Finite(fpr[i])); ty.Add(Finite(tpr[i]));
            lastX = x; lastY = y;
        }
        return (fx.ToArray(), ty.ToArray());
    }

    private static double Finite(double v) => double.IsFinite(v) ? v : 0;
}
