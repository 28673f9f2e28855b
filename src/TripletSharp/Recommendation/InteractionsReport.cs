using System.Globalization;
using System.Text;
using TripletSharp.Components;
using TripletSharp.Evaluation;
using TripletSharp.Reporting;

namespace TripletSharp.Recommendation;

/// <summary>
/// The HTML report of a recommendation run (<c>report.html</c>): the run's data and settings, the trained model and the
/// baselines side by side (Recall, NDCG, MAP, HitRate, MRR and catalogue coverage at every K), and the training curves
/// per epoch. A self-contained page in the image report's style (its stylesheet and number formats); the curves are
/// drawn as SVG here, so the page needs no script.
/// </summary>
/// <remarks>
/// Test hooks: <c>table#recommenders</c> with a <c>tr[data-recommender]</c> per recommender and
/// <c>td[data-metric][data-k][data-value]</c> cells; <c>svg#curve-loss</c> and <c>svg#curve-active_share</c>, a
/// <c>polyline.series</c> each.
/// </remarks>
public static class InteractionsReport
{
    private static readonly (string Name, Func<RankingMetrics, double> Value)[] Columns =
    [
        ("recall", m => m.Recall), ("ndcg", m => m.Ndcg), ("map", m => m.Map), ("hit_rate", m => m.HitRate), ("mrr", m => m.Mrr), ("coverage", m => m.Coverage),
    ];

    /// <summary>Renders the report and writes it atomically to <paramref name="path"/>.</summary>
    public static void Write(string path, RecommendationMetrics metrics, IReadOnlyList<CmlEpoch> history, InteractionsRunOptions options)
    {
        Guard.NotNull(path, nameof(path));
        AtomicFile.WriteAllText(path, Render(metrics, history, options));
    }

    /// <summary>The report as an HTML string.</summary>
    public static string Render(RecommendationMetrics metrics, IReadOnlyList<CmlEpoch> history, InteractionsRunOptions options)
    {
        Guard.NotNull(metrics, nameof(metrics));
        Guard.NotNull(history, nameof(history));
        Guard.NotNull(options, nameof(options));
        var sb = new StringBuilder(1 << 16);
        string title = "Recommendation run — " + HtmlReportWriter.Enc(Path.GetFileName(metrics.Source));
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
          .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
          .Append("<title>").Append(title).Append("</title>\n<style>\n").Append(HtmlReportWriter.Asset("report.css"))
          .Append("table.rec th, table.rec td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }\n")
          .Append("table.rec th:first-child, table.rec td:first-child { text-align: left; }\n</style>\n</head>\n<body>\n")
          .Append("<header><h1>").Append(title).Append("</h1><p class=\"sub\">Generated ").Append(HtmlReportWriter.Enc(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)))
          .Append("</p>\n<nav><a href=\"#summary\">Summary</a><a href=\"#recommenders\">Recommenders</a><a href=\"#curves\">Curves</a></nav></header>\n<main>\n");
        Summary(sb, metrics, options);
        Recommenders(sb, metrics);
        Curves(sb, history);
        sb.Append("</main>\n</body>\n</html>\n");
        return sb.ToString();
    }

    private static void Summary(StringBuilder sb, RecommendationMetrics m, InteractionsRunOptions o)
    {
        var c = o.Cml;
        var rows = new (string Key, string Value)[]
        {
            ("data", m.Source),
            ("users / items", $"{m.Users} / {m.Items}"),
            ("interactions / positives", $"{m.Interactions} / {m.Positives} (rating ≥ {o.Read.PositiveThreshold.ToString(CultureInfo.InvariantCulture)})"),
            ("split", $"{ComponentRegistry.ChoiceName(m.Split)}: {m.TrainPositives} train / {m.TestPositives} held-out positives, {m.EvaluatedUsers} users evaluated"),
            ("skipped", $"{m.UsersWithoutPositives} user(s) without positives, {m.UsersWithoutTraining} without a training positive; {m.DuplicateRows} duplicate row(s)"),
            ("model", string.Create(CultureInfo.InvariantCulture, $"cml {c.EmbeddingDim}-d, margin {c.Margin}, {ComponentRegistry.ChoiceName(c.Negatives)} negatives ×{c.NegativesPerPositive}, batch {c.BatchSize}, adam lr {c.LearningRate}, seed {c.Seed}")),
            ("training", string.Create(CultureInfo.InvariantCulture, $"{m.Epochs} epochs, {m.TrainingSeconds:F1} s, final loss {HtmlReportWriter.Show(m.FinalLoss)}")),
        };
        if (o.ItemFeaturesPath is { } features)
        {
            var tower = c.ItemTower ?? new ItemTowerOptions();
            var categorical = o.ItemFeaturesReading().CategoricalColumns;
            rows = [.. rows, ("item features", string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(features)}{(categorical.Count > 0 ? $" (categorical: {string.Join(", ", categorical)})" : "")}; tower hidden [{string.Join(", ", tower.HiddenSizes)}], {(tower.IdEmbeddings ? $"id embeddings, id dropout {tower.IdDropout}" : "no id embeddings")}"))];
        }
        sb.Append("<section id=\"summary\"><h2>Run summary</h2>\n<table id=\"summary-table\" class=\"kv\"><tbody>\n");
        foreach (var (k, v) in rows)
            sb.Append("<tr data-key=\"").Append(HtmlReportWriter.Enc(k)).Append("\"><th>").Append(HtmlReportWriter.Enc(k)).Append("</th><td>").Append(HtmlReportWriter.Enc(v)).Append("</td></tr>\n");
        sb.Append("</tbody></table></section>\n");
    }

    private static void Recommenders(StringBuilder sb, RecommendationMetrics m)
    {
        sb.Append("<section id=\"recommenders\"><h2>The model beside the baselines</h2><p class=\"note\">The same split for all; every item a user saw in training is left out of its list.</p><div class=\"scroll\"><table id=\"recommenders-table\" class=\"rec\"><thead><tr><th>recommender</th>");
        var ks = m.Recommenders.Count == 0 ? [] : m.Recommenders[0].Metrics.Select(x => x.K).ToArray();
        foreach (int k in ks)
            foreach (var (name, _) in Columns) sb.Append("<th>").Append(name).Append('@').Append(k.ToString(CultureInfo.InvariantCulture)).Append("</th>");
        sb.Append("</tr></thead><tbody>\n");
        foreach (var r in m.Recommenders)
        {
            sb.Append("<tr data-recommender=\"").Append(HtmlReportWriter.Enc(r.Name)).Append("\"><td>").Append(HtmlReportWriter.Enc(r.Name)).Append("</td>");
            foreach (int k in ks)
                foreach (var (name, value) in Columns)
                {
                    double v = value(r.At(k));
                    sb.Append("<td data-metric=\"").Append(name).Append("\" data-k=\"").Append(k.ToString(CultureInfo.InvariantCulture)).Append("\" data-value=\"")
                      .Append(HtmlReportWriter.Num(v)).Append("\">").Append(HtmlReportWriter.Show(v)).Append("</td>");
                }
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody></table></div></section>\n");
    }

    private static void Curves(StringBuilder sb, IReadOnlyList<CmlEpoch> history)
    {
        sb.Append("<section id=\"curves\"><h2>Curves per epoch</h2>");
        if (history.Count == 0) { sb.Append("<p class=\"note\">No per-epoch history was recorded.</p></section>\n"); return; }
        sb.Append("<div class=\"grid\">\n");
        Curve(sb, "loss", "Training loss (mean hinge)", history.Select(h => h.Loss).ToArray());
        Curve(sb, "active_share", "Active pairs (fraction)", history.Select(h => h.ActiveShare).ToArray());
        sb.Append("</div></section>\n");
    }

    /// <summary>One curve as an SVG polyline over a 400×200 box (epochs left to right, min..max of the values bottom to top).</summary>
    private static void Curve(StringBuilder sb, string key, string caption, double[] values)
    {
        const double w = 400, h = 200, pad = 30;
        var finite = values.Where(double.IsFinite).ToArray();
        double lo = finite.Length == 0 ? 0 : finite.Min(), hi = finite.Length == 0 ? 1 : finite.Max();
        if (hi <= lo) hi = lo + 1;
        string P(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        var points = values.Select((v, i) => (v, i)).Where(p => double.IsFinite(p.v)).Select(p =>
            P(pad + (values.Length == 1 ? (w - 2 * pad) / 2 : p.i * (w - 2 * pad) / (values.Length - 1))) + "," + P(h - pad - (p.v - lo) / (hi - lo) * (h - 2 * pad)));
        sb.Append("<figure class=\"chart\" data-curve=\"").Append(key).Append("\"><figcaption>").Append(HtmlReportWriter.Enc(caption)).Append("</figcaption>")
          .Append("<svg id=\"curve-").Append(key).Append("\" class=\"plot\" viewBox=\"0 0 400 200\" role=\"img\" aria-label=\"").Append(HtmlReportWriter.Enc(caption)).Append(" per epoch\">")
          .Append("<rect class=\"frame\" x=\"30\" y=\"30\" width=\"340\" height=\"140\"/>")
          .Append("<text x=\"30\" y=\"22\">max ").Append(HtmlReportWriter.Show(hi)).Append(" · min ").Append(HtmlReportWriter.Show(lo)).Append("</text>")
          .Append("<text x=\"30\" y=\"188\">epoch 1</text><text x=\"350\" y=\"188\">").Append(values.Length.ToString(CultureInfo.InvariantCulture)).Append("</text>")
          .Append("<polyline class=\"series\" points=\"").Append(string.Join(' ', points)).Append("\"/></svg></figure>\n");
    }
}
