using System.Globalization;
using SkiaSharp;
using TripletSharp.Distances;
using TripletSharp.Reporting;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Reporting;

/// <summary>The generator on its own: every number the page shows equals the input or an independent double-precision reference.</summary>
public class HtmlReportWriterTests
{
    private static readonly ReportOptions Fast = new() { ComputeTsne = false, Seed = 3 };

    private static (double[][] X, long[] Labels, ReportData Data) Make(int perClass = 20, int classes = 5, int seed = 11, Tensor? images = null, string distance = "euclidean", double spread = 0.9)
    {
        var (x, labels) = ReportTestData.Blobs(perClass, classes, seed, spread);
        x = ReportTestData.ToFloatPrecision(x);
        return (x, labels, ReportTestData.Build(x, labels, classes, images, distance));
    }

    [Fact]
    public void SummaryAndMetricsShownEqualTheInput()
    {
        var (_, _, data) = Make();
        var html = HtmlReportWriter.Render(data, Fast);

        Assert.Equal(data.Summary.Select(kv => (kv.Key, kv.Value)).ToList(), ReportHtml.Summary(html));
        var shown = ReportHtml.Metrics(html);
        Assert.Equal(data.Metrics.Keys.ToList(), shown.Select(m => m.Key).ToList());
        foreach (var (key, value, text) in shown)
        {
            Assert.Equal(data.Metrics[key], value); // exact: the attribute is round-trip formatted
            Assert.Equal(Math.Round(data.Metrics[key], 4, MidpointRounding.AwayFromZero).ToString("0.0000", CultureInfo.InvariantCulture), text);
        }
        var json = ReportHtml.Json(html);
        foreach (var (key, value) in data.Metrics) Assert.Equal(value, json.GetProperty("metrics").GetProperty(key).GetDouble());
        Assert.Contains("class &lt;b&gt;&amp;amp; &quot;two&quot;", html); // names are escaped, never markup
        Assert.DoesNotContain("class <b>", html);
    }

    [Fact]
    public void HistoryTableAndCurvesEqualTheHistory()
    {
        var (_, _, data) = Make();
        var html = HtmlReportWriter.Render(data, Fast);
        var rows = ReportHtml.History(html);
        Assert.Equal(data.History.Count, rows.Count);
        for (int r = 0; r < rows.Count; r++)
        {
            var expected = data.History[r];
            Assert.Equal(expected.Epoch, rows[r].Epoch);
            Assert.Equal(expected.Values.Keys.ToList(), rows[r].Cells.Select(c => c.Col).ToList());
            foreach (var (col, value, text) in rows[r].Cells)
            {
                double v = expected.Values[col];
                if (double.IsNaN(v)) { Assert.True(double.IsNaN(value)); Assert.Equal("—", text); }
                else { Assert.Equal(v, value); Assert.Equal(v.ToString("0.0000", CultureInfo.InvariantCulture), text); }
            }
        }
        var curves = ReportHtml.Json(html).GetProperty("curves");
        foreach (var curve in curves.EnumerateArray())
        {
            var key = curve.GetProperty("key").GetString()!;
            var expected = data.History.Where(h => double.IsFinite(h.Values[key])).Select(h => (h.Epoch, h.Values[key])).ToList();
            var points = curve.GetProperty("points").EnumerateArray().Select(p => ((int)p[0].GetDouble(), p[1].GetDouble())).ToList();
            Assert.Equal(expected, points);
        }
        Assert.Equal(new[] { "loss", "active_fraction", "precision_at_1", "map_at_r" }, curves.EnumerateArray().Select(c => c.GetProperty("key").GetString()!).ToArray());
    }

    [Fact]
    public void HistogramCountsEqualAnIndependentBinning()
    {
        var (_, _, data) = Make();
        var options = new ReportOptions { ComputeTsne = false, HistogramBins = 17 };
        var h = ReportHtml.Json(HtmlReportWriter.Render(data, options)).GetProperty("histogram");
        var edges = h.GetProperty("edges").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(18, edges.Length);
        var finite = data.Distances.SelectMany(d => d.AnchorPositive.Concat(d.AnchorNegative)).Where(float.IsFinite).Select(v => (double)v).ToList();
        Assert.Equal(Math.Min(0, Math.Min(finite.Min(), data.Margin!.Value)), edges[0]);
        Assert.Equal(Math.Max(finite.Max(), data.Margin.Value), edges[^1]);
        Assert.Equal(data.Margin.Value, h.GetProperty("margin").GetDouble());
        var epochs = h.GetProperty("epochs").EnumerateArray().ToList();
        Assert.Equal(data.Distances.Count, epochs.Count);
        for (int e = 0; e < epochs.Count; e++)
        {
            var input = data.Distances[e];
            Assert.Equal(input.Epoch, epochs[e].GetProperty("epoch").GetInt32());
            foreach (var (kind, values) in new[] { ("ap", input.AnchorPositive), ("an", input.AnchorNegative) })
            {
                var expected = new long[17];
                foreach (var v in values)
                {
                    if (!float.IsFinite(v)) continue;
                    // Linear scan of half-open bins; the top edge belongs to the last bin.
                    int bin = -1;
                    for (int b = 0; b < 17; b++)
                        if (v >= edges[b] && (v < edges[b + 1] || (b == 16 && v <= edges[17]))) { bin = b; break; }
                    Assert.True(bin >= 0, $"value {v} is outside the edges");
                    expected[bin]++;
                }
                Assert.Equal(expected, epochs[e].GetProperty(kind).EnumerateArray().Select(c => c.GetInt64()).ToArray());
                double mean = values.Where(float.IsFinite).Select(v => (double)v).Average();
                Assert.Equal(mean, epochs[e].GetProperty(kind + "Mean").GetDouble(), 12);
            }
            Assert.Equal(input.AnchorPositive.Count(float.IsNaN) + input.AnchorNegative.Count(float.IsNaN), epochs[e].GetProperty("dropped").GetInt64());
        }
    }

    [Theory]
    [InlineData("euclidean")]
    [InlineData("squared-euclidean")]
    [InlineData("cosine")]
    [InlineData("dot")]
    public void GalleryAndConfusionEqualBruteForceNeighbours(string distance)
    {
        var (x, labels, data) = Make(distance: distance, spread: 1.3);
        var html = HtmlReportWriter.Render(data, Fast);
        int n = labels.Length;
        var reference = BruteForce(x, distance);

        var gallery = ReportHtml.Gallery(html);
        Assert.Equal(12, gallery.Count);
        Assert.Equal(12, gallery.Select(g => g.Query).Distinct().Count());
        foreach (var (query, thumbs) in gallery)
        {
            Assert.Equal(9, thumbs.Count);
            Assert.Equal(("query", query), (thumbs[0].Kind, thumbs[0].Item));
            var expected = reference[query].Take(8).ToList();
            for (int j = 0; j < 8; j++)
            {
                var (kind, item, shown, _) = thumbs[j + 1];
                Assert.Equal(expected[j].Index, item);
                Assert.Equal(expected[j].Value, shown!.Value, 1e-6);
                Assert.Equal(labels[item] == labels[query] ? "match" : "miss", kind);
            }
        }

        var confusion = ReportHtml.Json(html).GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt64()).ToArray()).ToArray();
        var expectedConfusion = new long[data.ClassNames.Count, data.ClassNames.Count];
        for (int i = 0; i < n; i++) expectedConfusion[labels[i], labels[reference[i][0].Index]]++;
        for (int r = 0; r < data.ClassNames.Count; r++)
            for (int c = 0; c < data.ClassNames.Count; c++)
                Assert.Equal(expectedConfusion[r, c], confusion[r][c]);
        Assert.Equal(n, confusion.Sum(r => r.Sum()));
    }

    [Fact]
    public void SelfIsExcludedByIndexSoADuplicateFindsItsTwin()
    {
        var (x, labels, data) = Make();
        int dup = labels.Length - 1; // an exact copy of item 0
        var (idx, values) = ReportModel.Neighbours(data.Embeddings, [0, dup], 2, new EuclideanDistance(), normalize: false);
        Assert.Equal(dup, idx[0][0]);
        Assert.Equal(0, idx[1][0]);
        Assert.Equal(0, values[0][0], 6);
        Assert.NotEqual(0, idx[0][1]);
    }

    [Fact]
    public void TiedNeighboursComeInIndexOrderForOneAndForMany()
    {
        // Item 0 has items 1, 2, 3 at exactly distance 1 (integer coordinates: the expansion formula is exact).
        using var x = tensor(new float[] { 0, 0, 1, 0, -1, 0, 0, 1, 5, 5 }, [5, 2]);
        foreach (var measure in new BaseDistance[] { new EuclideanDistance(), new SquaredEuclideanDistance() })
        {
            var (one, oneValue) = ReportModel.Neighbours(x, [0, 3], 1, measure, normalize: false);
            Assert.Equal(1, one[0][0]);
            Assert.Equal(1, oneValue[0][0]);
            Assert.Equal(0, one[1][0]); // item 3: items 0 (distance 1) then 1, 2 (√2)
            var (many, _) = ReportModel.Neighbours(x, [0], 3, measure, normalize: false);
            Assert.Equal(new long[] { 1, 2, 3 }, many[0]);
            var (every, _) = ReportModel.Neighbours(x, [0, 1, 2, 3, 4], 1, measure, normalize: false); // all items, self excluded by index; item 4 is √41 from items 1 and 3
            Assert.Equal(new long[] { 1, 0, 0, 0, 1 }, every.Select(r => r[0]).ToArray());
        }
    }

    /// <summary>Every other item of each row by increasing distance (decreasing similarity for dot), ties by index.</summary>
    private static List<(int Index, double Value)>[] BruteForce(double[][] x, string distance)
    {
        int n = x.Length;
        double[][] v = x;
        if (distance == "cosine")
            v = x.Select(r => { double norm = Math.Sqrt(r.Sum(a => a * a)); return r.Select(a => a / Math.Max(norm, 1e-12)).ToArray(); }).ToArray();
        var result = new List<(int, double)>[n];
        for (int i = 0; i < n; i++)
        {
            var row = new List<(int Index, double Value, double Key)>();
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                double sq = 0, dot = 0;
                for (int d = 0; d < v[i].Length; d++) { double diff = v[i][d] - v[j][d]; sq += diff * diff; dot += v[i][d] * v[j][d]; }
                (double value, double key) = distance switch
                {
                    "euclidean" => (Math.Sqrt(sq), sq),
                    "squared-euclidean" => (sq, sq),
                    "cosine" => (1 - dot, 1 - dot),
                    _ => (dot, -dot),
                };
                row.Add((j, value, key));
            }
            result[i] = row.OrderBy(r => r.Key).ThenBy(r => r.Index).Select(r => (r.Index, r.Value)).ToList();
        }
        return result;
    }

    [Theory]
    [InlineData(1, 8, 8, 64)]
    [InlineData(3, 16, 12, 64)]
    public void ThumbnailsDecodeToTheInputPixels(int channels, int h, int w, int maxSide)
    {
        var (x, labels) = ReportTestData.Blobs(6, 3, 2);
        var rng = new Random(5);
        var pixels = Enumerable.Range(0, labels.Length * channels * h * w).Select(_ => (float)rng.NextDouble()).ToArray();
        pixels[0] = 0; pixels[1] = 1; // the range ends
        using var images = tensor(pixels, [labels.Length, channels, h, w]);
        var data = ReportTestData.Build(x, labels, 3, images);
        var html = HtmlReportWriter.Render(data, new ReportOptions { ComputeTsne = false, ThumbnailSize = maxSide });
        var thumbs = ReportHtml.Json(html).GetProperty("thumbs");
        Assert.Equal(labels.Length, thumbs.EnumerateObject().Count()); // every map point has one
        foreach (var item in new[] { 0, 7, labels.Length - 1 })
        {
            var uri = thumbs.GetProperty(item.ToString(CultureInfo.InvariantCulture)).GetString()!;
            Assert.StartsWith("data:image/png;base64,", uri);
            using var bmp = SKBitmap.Decode(Convert.FromBase64String(uri["data:image/png;base64,".Length..]));
            Assert.Equal((w, h), (bmp.Width, bmp.Height));
            for (int yy = 0; yy < h; yy++)
                for (int xx = 0; xx < w; xx++)
                {
                    var c = bmp.GetPixel(xx, yy);
                    byte Expected(int ch) => (byte)Math.Round(Math.Clamp(pixels[((item * channels + (channels == 1 ? 0 : ch)) * h + yy) * w + xx], 0, 1) * 255);
                    Assert.Equal((Expected(0), Expected(1), Expected(2), (byte)255), (c.Red, c.Green, c.Blue, c.Alpha));
                }
        }
        foreach (var (_, thumbsInRow) in ReportHtml.Gallery(html))
            Assert.All(thumbsInRow, t => Assert.Equal(thumbs.GetProperty(t.Item.ToString(CultureInfo.InvariantCulture)).GetString(), t.Img));
    }

    [Fact]
    public void LargeImagesAreScaledDownKeepingTheirAspect()
    {
        var (x, labels) = ReportTestData.Blobs(4, 2, 2);
        using var images = rand(labels.Length, 3, 100, 80);
        var html = HtmlReportWriter.Render(ReportTestData.Build(x, labels, 2, images), new ReportOptions { ComputeTsne = false, ThumbnailSize = 50 });
        var uri = ReportHtml.Json(html).GetProperty("thumbs").GetProperty("0").GetString()!;
        using var bmp = SKBitmap.Decode(Convert.FromBase64String(uri["data:image/png;base64,".Length..]));
        Assert.Equal((40, 50), (bmp.Width, bmp.Height));
    }

    [Fact]
    public void VectorDataGetsLabelCardsInsteadOfImages()
    {
        var (_, _, data) = Make();
        var html = HtmlReportWriter.Render(data, Fast);
        Assert.DoesNotContain("<img", html);
        Assert.Equal(12 * 9, System.Text.RegularExpressions.Regex.Matches(html, "class=\"label-card\"").Count);
        Assert.Empty(ReportHtml.Json(html).GetProperty("thumbs").EnumerateObject());
    }

    [Fact]
    public void PageIsSelfContained()
    {
        var (_, labels, _) = Make();
        using var images = ReportTestData.Images(labels, 1, 8, 1);
        var (x2, l2) = ReportTestData.Blobs(20, 5, 11, 0.9);
        var html = HtmlReportWriter.Render(ReportTestData.Build(ReportTestData.ToFloatPrecision(x2), l2, 5, images), Fast);
        Assert.Contains("Content-Security-Policy", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("@import", html);
        Assert.DoesNotContain("url(", html);
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"([^\"]*)\""))
            Assert.True(m.Groups[1].Value.StartsWith("data:", StringComparison.Ordinal) || m.Groups[1].Value.StartsWith('#'), "external reference: " + m.Groups[1].Value);
        // The only URL-like string is the SVG namespace, which is a name, not a request.
        var urls = System.Text.RegularExpressions.Regex.Matches(html, "https?://[^\"' ]+").Select(m => m.Value).Distinct().ToList();
        Assert.Equal(["http://www.w3.org/2000/svg"], urls);
        var json = System.Text.RegularExpressions.Regex.Match(html, "id=\"report-data\">(.*?)</script>", System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
        Assert.DoesNotContain("<", json);
    }

    [Fact]
    public void WritesAtomicallyAndReplacesAnOldReport()
    {
        var (_, _, data) = Make();
        var dir = Path.Combine(Path.GetTempPath(), "tripletsharp-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = Path.Combine(dir, "run", "report.html");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "old");
            HtmlReportWriter.Write(path, data, Fast);
            Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(path));
            Assert.Equal(new[] { "report.html" }, Directory.GetFiles(Path.GetDirectoryName(path)!).Select(f => Path.GetFileName(f)).ToArray());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MapSampleIsSeededAndBounded()
    {
        var (_, _, data) = Make(perClass: 40);
        var a = ReportHtml.Json(HtmlReportWriter.Render(data, new ReportOptions { ComputeTsne = false, MaxMapPoints = 50, Seed = 1 })).GetProperty("map");
        var b = ReportHtml.Json(HtmlReportWriter.Render(data, new ReportOptions { ComputeTsne = false, MaxMapPoints = 50, Seed = 1 })).GetProperty("map");
        var c = ReportHtml.Json(HtmlReportWriter.Render(data, new ReportOptions { ComputeTsne = false, MaxMapPoints = 50, Seed = 2 })).GetProperty("map");
        var ia = a.GetProperty("index").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(50, ia.Length);
        Assert.Equal(ia.Distinct().Order().ToArray(), ia);
        Assert.Equal(ia, b.GetProperty("index").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.NotEqual(ia, c.GetProperty("index").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal(ia.Select(i => data.Labels[i]).ToArray(), a.GetProperty("label").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        Assert.Equal(ia.Select(i => data.ItemIds![i]).ToArray(), a.GetProperty("id").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal(50, a.GetProperty("pca").GetArrayLength());
        Assert.Equal(JsonValueKindNull, a.GetProperty("tsne").ValueKind);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Fact]
    public void RocIsPassedThroughAndLongCurvesAreThinned()
    {
        var (_, _, data) = Make();
        var roc = ReportHtml.Json(HtmlReportWriter.Render(data, Fast)).GetProperty("roc");
        Assert.Equal(data.Roc!.Auc, roc.GetProperty("auc").GetDouble());
        Assert.Equal(data.Roc.TarAtFar1e3, roc.GetProperty("tar").GetDouble());
        var fpr = roc.GetProperty("fpr").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var tpr = roc.GetProperty("tpr").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.InRange(fpr.Length, 50, 1000);
        Assert.True(data.Roc.FalsePositiveRates.Length > 20000);
        // Every kept point is a point of the input curve, in order, with both ends kept.
        int k = 0;
        for (int i = 0; i < data.Roc.FalsePositiveRates.Length && k < fpr.Length; i++)
            if (data.Roc.FalsePositiveRates[i] == fpr[k] && data.Roc.TruePositiveRates[i] == tpr[k]) k++;
        Assert.Equal(fpr.Length, k);
        Assert.Equal((data.Roc.FalsePositiveRates[0], data.Roc.TruePositiveRates[0]), (fpr[0], tpr[0]));
        Assert.Equal((data.Roc.FalsePositiveRates[^1], data.Roc.TruePositiveRates[^1]), (fpr[^1], tpr[^1]));
    }

    [Fact]
    public void BadInputIsRejectedNamingTheArgument()
    {
        var (x, labels, data) = Make();
        var badLabels = (long[])labels.Clone();
        badLabels[3] = 99;
        Assert.Equal("Labels", Assert.Throws<ArgumentException>(() => HtmlReportWriter.Render(Copy(data, labels: badLabels), Fast)).ParamName);
        using var fewer = ReportTestData.ToTensor(x.Take(5).ToArray());
        Assert.Equal("Embeddings", Assert.Throws<ArgumentException>(() => HtmlReportWriter.Render(Copy(data, embeddings: fewer), Fast)).ParamName);
        using var flat = zeros(labels.Length, 8);
        Assert.Equal("Images", Assert.Throws<ArgumentException>(() => HtmlReportWriter.Render(Copy(data, images: flat), Fast)).ParamName);
        Assert.Equal("DistanceName", Assert.Throws<ArgumentException>(() => HtmlReportWriter.Render(Copy(data, distance: "manhattan"), Fast)).ParamName);
        using var nan = ReportTestData.ToTensor(x);
        nan[2, 1] = float.NaN;
        Assert.Equal("Embeddings", Assert.Throws<ArgumentException>(() => HtmlReportWriter.Render(Copy(data, embeddings: nan), Fast)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => HtmlReportWriter.Render(data, new ReportOptions { GalleryQueries = 0 }));
        Assert.Throws<ArgumentNullException>(() => HtmlReportWriter.Write(null!, data));
    }

    private static ReportData Copy(ReportData d, long[]? labels = null, Tensor? embeddings = null, Tensor? images = null, string? distance = null) => new()
    {
        Title = d.Title, Summary = d.Summary, Metrics = d.Metrics, History = d.History, Distances = d.Distances, Margin = d.Margin,
        Embeddings = embeddings ?? d.Embeddings, Labels = labels ?? d.Labels, ClassNames = d.ClassNames, ItemIds = d.ItemIds,
        Images = images ?? d.Images, DistanceName = distance ?? d.DistanceName, Roc = d.Roc,
    };

    [Fact]
    public void TinyAndEmptyInputsStillRender()
    {
        var data = new ReportData
        {
            Summary = new Dictionary<string, string>(), Metrics = new Dictionary<string, double>(),
            Embeddings = tensor(new float[] { 1, 2 }, [1, 2]), Labels = [0], ClassNames = ["only"],
        };
        var html = HtmlReportWriter.Render(data);
        Assert.Contains("No per-epoch history was recorded.", html);
        Assert.Contains("No distances were recorded.", html);
        Assert.Contains("Too few test items for a gallery.", html);
        Assert.Contains("Verification was not computed for this run.", html);
        Assert.Contains("t-SNE <span class=\"stat\">not computed (fewer than 5 points)", html);
    }

    [Fact]
    public void RenderingLeaksNoTensors()
    {
        var (_, labels, _) = Make();
        using var images = ReportTestData.Images(labels, 3, 8, 1);
        var (x, l) = ReportTestData.Blobs(20, 5, 11, 0.9);
        var data = ReportTestData.Build(x, l, 5, images);
        HtmlReportWriter.Render(data, new ReportOptions { Tsne = new TsneOptions { Iterations = 5, ExaggerationIterations = 2 } }); // warm-up
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        HtmlReportWriter.Render(data, new ReportOptions { Tsne = new TsneOptions { Iterations = 5, ExaggerationIterations = 2 } });
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
