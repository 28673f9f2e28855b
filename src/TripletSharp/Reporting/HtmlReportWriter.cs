using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Reporting;

/// <summary>
/// Writes the run report: one self-contained HTML file (stylesheet, script, data and images inlined; no network) with
/// the run summary and final metrics, per-epoch curves, distance histograms, PCA and t-SNE maps of the test embeddings,
/// a retrieval gallery, the rank-1 confusion matrix and the verification ROC.
/// </summary>
/// <remarks>
/// Stable hooks for tools and tests: sections are <c>section#summary, #curves, #distances, #map, #gallery,
/// #confusion, #roc</c>; all data the script draws is the JSON in <c>script#report-data</c>; metric and history cells
/// carry <c>data-metric</c>/<c>data-col</c> and <c>data-value</c> (round-trip formatted); drawn marks are
/// <c>circle.pt</c> (curves, maps), <c>rect.bar</c> (histograms), <c>rect.cell</c> (confusion),
/// <c>.gallery-thumb</c> (gallery); <c>body[data-rendered="true"]</c> once the script has drawn everything.
/// </remarks>
internal static class HtmlReportWriter
{
    /// <summary>Curves drawn per epoch, by <c>history.csv</c> column, with their titles.</summary>
    internal static readonly (string Key, string Title)[] CurveColumns =
    [
        ("loss", "Training loss"),
        ("active_fraction", "Active triplets (fraction)"),
        ("precision_at_1", "precision_at_1 (test)"),
        ("map_at_r", "map_at_r (test)"),
    ];

    /// <summary>Renders <paramref name="data"/> and writes it atomically to <paramref name="path"/>.</summary>
    /// <param name="path">Output file (for example <c>report.html</c> in the run folder).</param>
    /// <param name="data">What to show.</param>
    /// <param name="options">Sampling and computation settings (defaults when null).</param>
    /// <param name="timings">Receives the time of each part when given.</param>
    public static void Write(string path, ReportData data, ReportOptions? options = null, ReportTimings? timings = null) =>
        WriteWithModel(path, data, options, timings);

    /// <summary><see cref="Write"/>, returning what the page shows (the benchmark reads the maps).</summary>
    internal static ReportModel WriteWithModel(string path, ReportData data, ReportOptions? options, ReportTimings? timings)
    {
        Guard.NotNull(path, nameof(path));
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException($"'{nameof(path)}' must not be empty.", nameof(path));
        timings ??= new ReportTimings();
        var model = Build(data, options, timings);
        timings.Measure("html", () => AtomicFile.WriteAllText(path, Page(data, model)));
        return model;
    }

    /// <summary>The report as an HTML string.</summary>
    public static string Render(ReportData data, ReportOptions? options = null) => Page(data, Build(data, options, new ReportTimings()));

    private static ReportModel Build(ReportData data, ReportOptions? options, ReportTimings timings)
    {
        Guard.NotNull(data, nameof(data));
        options ??= new ReportOptions();
        options.Validate();
        data.Validate();
        return ReportModel.Build(data, options, timings);
    }

    private static string Page(ReportData data, ReportModel model)
    {
        var sb = new StringBuilder(1 << 20);
        string title = Enc(data.Title);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
          .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n")
          .Append("<title>").Append(title).Append("</title>\n<style>\n").Append(Asset("report.css")).Append("</style>\n</head>\n<body>\n");
        sb.Append("<header><h1>").Append(title).Append("</h1><p class=\"sub\">Generated ")
          .Append(Enc(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)))
          .Append(" · ").Append(data.Count.ToString(CultureInfo.InvariantCulture)).Append(" test items · ")
          .Append(data.ClassNames.Count.ToString(CultureInfo.InvariantCulture)).Append(" classes</p>\n<nav>")
          .Append("<a href=\"#summary\">Summary</a><a href=\"#curves\">Curves</a><a href=\"#distances\">Distances</a>")
          .Append("<a href=\"#map\">Map</a><a href=\"#gallery\">Gallery</a><a href=\"#confusion\">Confusion</a><a href=\"#roc\">ROC</a></nav></header>\n<main>\n");
        Summary(sb, data);
        Curves(sb, data);
        Distances(sb, model);
        Map(sb, data, model);
        Gallery(sb, data, model);
        Confusion(sb, model);
        Roc(sb, data);
        sb.Append("</main>\n<div id=\"tooltip\" class=\"tooltip\" hidden></div>\n");
        sb.Append("<script type=\"application/json\" id=\"report-data\">").Append(model.Json).Append("</script>\n");
        sb.Append("<script>\n").Append(Asset("report.js")).Append("</script>\n</body>\n</html>\n");
        return sb.ToString();
    }

    private static void Summary(StringBuilder sb, ReportData data)
    {
        sb.Append("<section id=\"summary\"><h2>Run summary</h2><div class=\"two\">\n<table id=\"summary-table\" class=\"kv\"><tbody>\n");
        foreach (var (k, v) in data.Summary)
            sb.Append("<tr data-key=\"").Append(Enc(k)).Append("\"><th>").Append(Enc(k)).Append("</th><td>").Append(Enc(v)).Append("</td></tr>\n");
        sb.Append("</tbody></table>\n<div id=\"metrics\" class=\"metrics\">\n");
        foreach (var (k, v) in data.Metrics)
            sb.Append("<div class=\"metric\" data-metric=\"").Append(Enc(k)).Append("\" data-value=\"").Append(Num(v)).Append("\"><span class=\"metric-name\">")
              .Append(Enc(k)).Append("</span><span class=\"metric-value\">").Append(Show(v)).Append("</span></div>\n");
        sb.Append("</div></div>\n");
        if (data.History.Count > 0)
        {
            var cols = HistoryColumns(data);
            sb.Append("<details id=\"history\"><summary>Per-epoch history (").Append(data.History.Count).Append(" epochs)</summary><div class=\"scroll\"><table id=\"history-table\"><thead><tr><th>epoch</th>");
            foreach (var c in cols) sb.Append("<th>").Append(Enc(c)).Append("</th>");
            sb.Append("</tr></thead><tbody>\n");
            foreach (var row in data.History)
            {
                sb.Append("<tr data-epoch=\"").Append(row.Epoch.ToString(CultureInfo.InvariantCulture)).Append("\"><td>").Append(row.Epoch.ToString(CultureInfo.InvariantCulture)).Append("</td>");
                foreach (var c in cols)
                {
                    double v = row.Values.TryGetValue(c, out var x) ? x : double.NaN;
                    sb.Append("<td data-col=\"").Append(Enc(c)).Append("\" data-value=\"").Append(Num(v)).Append("\">").Append(Show(v)).Append("</td>");
                }
                sb.Append("</tr>\n");
            }
            sb.Append("</tbody></table></div></details>\n");
        }
        sb.Append("</section>\n");
    }

    internal static List<string> HistoryColumns(ReportData data)
    {
        var cols = new List<string>();
        foreach (var row in data.History)
            foreach (var k in row.Values.Keys)
                if (!cols.Contains(k)) cols.Add(k);
        return cols;
    }

    private static void Curves(StringBuilder sb, ReportData data)
    {
        sb.Append("<section id=\"curves\"><h2>Curves per epoch</h2>");
        if (data.History.Count == 0) { sb.Append("<p class=\"note\">No per-epoch history was recorded.</p></section>\n"); return; }
        sb.Append("<div class=\"grid\">\n");
        foreach (var (key, name) in CurveColumns)
            sb.Append("<figure class=\"chart\" data-curve=\"").Append(key).Append("\"><figcaption>").Append(Enc(name))
              .Append("</figcaption><svg id=\"curve-").Append(key).Append("\" class=\"plot\" role=\"img\" aria-label=\"").Append(Enc(name)).Append(" per epoch\"></svg></figure>\n");
        sb.Append("</div></section>\n");
    }

    private static void Distances(StringBuilder sb, ReportModel model)
    {
        sb.Append("<section id=\"distances\"><h2>Distances on the test split</h2>");
        if (model.Histogram is null) { sb.Append("<p class=\"note\">No distances were recorded.</p></section>\n"); return; }
        sb.Append("<p class=\"note\">Anchor–positive (<span class=\"key ap\"></span> d_ap) and anchor–negative (<span class=\"key an\"></span> d_an) distances, as the fraction of each kind of pair per bin")
          .Append(model.Margin is double m ? $"; the dashed line marks the margin ({Show(m)})" : "").Append(".</p><div class=\"grid\">\n");
        foreach (var e in model.Histogram.Epochs)
        {
            string ep = e.Epoch.ToString(CultureInfo.InvariantCulture);
            sb.Append("<figure class=\"chart\" data-epoch=\"").Append(ep).Append("\"><figcaption>Epoch ").Append(ep)
              .Append(" <span class=\"stat\">mean d_ap ").Append(Show(e.MeanAnchorPositive)).Append(" · mean d_an ").Append(Show(e.MeanAnchorNegative)).Append("</span></figcaption>")
              .Append("<svg id=\"hist-epoch-").Append(ep).Append("\" class=\"plot hist\" role=\"img\" aria-label=\"Distance histogram, epoch ").Append(ep).Append("\"></svg></figure>\n");
        }
        sb.Append("</div></section>\n");
    }

    private static void Map(StringBuilder sb, ReportData data, ReportModel model)
    {
        sb.Append("<section id=\"map\"><h2>Map of the test embeddings</h2><p class=\"note\">")
          .Append(model.MapIndices.Length.ToString(CultureInfo.InvariantCulture)).Append(model.MapIndices.Length < data.Count ? " points (a seeded sample of " + data.Count.ToString(CultureInfo.InvariantCulture) + ")" : " points")
          .Append(", coloured by class. Hover or tap a point to see the item.</p><div class=\"grid maps\">\n");
        sb.Append("<figure class=\"chart\"><figcaption>PCA <span class=\"stat\">").Append(Enc(model.PcaNote)).Append("</span></figcaption><svg id=\"map-pca\" class=\"plot map\" role=\"img\" aria-label=\"PCA map\"></svg></figure>\n");
        sb.Append("<figure class=\"chart\"><figcaption>t-SNE <span class=\"stat\">").Append(Enc(model.TsneNote)).Append("</span></figcaption>");
        if (model.HasTsne) sb.Append("<svg id=\"map-tsne\" class=\"plot map\" role=\"img\" aria-label=\"t-SNE map\"></svg>");
        sb.Append("</figure>\n</div>\n<ul id=\"legend\" class=\"legend\">");
        var present = new SortedSet<long>(model.MapIndices.Select(i => data.Labels[i]));
        foreach (var c in present)
            sb.Append("<li data-class=\"").Append(c.ToString(CultureInfo.InvariantCulture)).Append("\"><span class=\"swatch\" style=\"background:").Append(ReportModel.Color((int)c, data.ClassNames.Count))
              .Append("\"></span>").Append(Enc(data.ClassNames[(int)c])).Append("</li>");
        sb.Append("</ul></section>\n");
    }

    private static void Gallery(StringBuilder sb, ReportData data, ReportModel model)
    {
        sb.Append("<section id=\"gallery\"><h2>Retrieval gallery</h2>");
        if (model.Gallery.Count == 0) { sb.Append("<p class=\"note\">Too few test items for a gallery.</p></section>\n"); return; }
        sb.Append("<p class=\"note\">").Append(model.Gallery.Count).Append(" seeded queries (blue) and their ").Append(model.GalleryK)
          .Append(" nearest test items by ").Append(Enc(data.DistanceName)).Append(", framed <span class=\"ok\">green</span> when the class matches and <span class=\"bad\">red</span> when it does not.</p>\n<div class=\"gallery\">\n");
        foreach (var q in model.Gallery)
        {
            sb.Append("<div class=\"gallery-row\" data-query=\"").Append(q.Query).Append("\">");
            Thumb(sb, data, model, q.Query, "query", null, null);
            for (int j = 0; j < q.Neighbors.Length; j++)
                Thumb(sb, data, model, (int)q.Neighbors[j], data.Labels[q.Neighbors[j]] == data.Labels[q.Query] ? "match" : "miss", q.Values[j], j + 1);
            sb.Append("</div>\n");
        }
        sb.Append("</div></section>\n");
    }

    private static void Thumb(StringBuilder sb, ReportData data, ReportModel model, int item, string kind, double? value, int? rank)
    {
        string cls = data.ClassNames[(int)data.Labels[item]];
        string id = data.ItemId(item);
        sb.Append("<figure class=\"gallery-thumb ").Append(kind).Append("\" data-item=\"").Append(item).Append("\" data-class=\"").Append(data.Labels[item]).Append('"');
        if (value is double v) sb.Append(" data-distance=\"").Append(Num(v)).Append("\" data-rank=\"").Append(rank).Append('"');
        sb.Append(" title=\"").Append(Enc(cls + " · " + id)).Append("\">");
        if (model.Thumbs.TryGetValue(item, out var uri))
            sb.Append("<img src=\"").Append(uri).Append("\" alt=\"").Append(Enc(cls)).Append("\">");
        else
            sb.Append("<div class=\"label-card\" style=\"background:").Append(ReportModel.Color((int)data.Labels[item], data.ClassNames.Count)).Append("\">").Append(Enc(cls)).Append("</div>");
        sb.Append("<figcaption>").Append(value is double d ? Show(d) : "query").Append("</figcaption></figure>");
    }

    private static void Confusion(StringBuilder sb, ReportModel model)
    {
        sb.Append("<section id=\"confusion\"><h2>Nearest-neighbour confusion</h2><p class=\"note\">Rows: the query's class; columns: the class of its nearest other test item (rank 1). Colour: share of the row; hover a cell for counts.</p>")
          .Append("<div class=\"scroll\"><svg id=\"confusion-matrix\" class=\"plot\" role=\"img\" aria-label=\"Confusion matrix\"></svg></div></section>\n");
    }

    private static void Roc(StringBuilder sb, ReportData data)
    {
        sb.Append("<section id=\"roc\"><h2>Verification ROC</h2>");
        if (data.Roc is null || data.Roc.FalsePositiveRates.Length == 0) { sb.Append("<p class=\"note\">Verification was not computed for this run.</p></section>\n"); return; }
        sb.Append("<p class=\"roc-stats\">AUC <strong id=\"roc-auc\" data-value=\"").Append(Num(data.Roc.Auc)).Append("\">").Append(Show(data.Roc.Auc))
          .Append("</strong> · TAR at FAR = 1e-3 <strong id=\"roc-tar\" data-value=\"").Append(Num(data.Roc.TarAtFar1e3)).Append("\">").Append(Show(data.Roc.TarAtFar1e3))
          .Append("</strong></p><figure class=\"chart wide\"><figcaption>True-accept rate vs false-accept rate (log scale)</figcaption><svg id=\"roc-curve\" class=\"plot\" role=\"img\" aria-label=\"ROC curve\"></svg></figure></section>\n");
    }

    internal static string Num(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "NaN";

    internal static string Show(double v) => double.IsFinite(v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "—";

    internal static string Enc(string s) => WebUtility.HtmlEncode(s);

    internal static string Asset(string name)
    {
        using var stream = typeof(HtmlReportWriter).Assembly.GetManifestResourceStream("TripletSharp.Reporting.Assets." + name)
            ?? throw new InvalidOperationException($"The report asset '{name}' is missing from the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
