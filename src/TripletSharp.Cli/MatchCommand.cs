using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using TripletSharp.Search;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary>
/// <c>triplet match</c>: open-set matching of query items against an index: per query the decided class or
/// <c>unknown</c>, with the nearest distance and item; <c>--evaluate</c> scores labelled queries.
/// </summary>
internal static class MatchCommand
{
    public static Command Create(CliContext ctx)
    {
        var t = new OptionTable();
        var index = t.Add(CommonOptions.IndexFolder());
        var query = t.Add(Optional<string>("--query", "Dataset of query items (default: the data the model was trained on)."), nameof(DataOptions.Path));
        var model = t.Add(CommonOptions.ModelOfIndex(), "Model");
        var format = t.Add(CommonOptions.Format(), nameof(DataOptions.Format));
        var split = t.Add(CommonOptions.Split("Which query items (default: every item of --query, else the model data's holdout half of the test part)."));
        var classes = t.Add(CommonOptions.Classes(), nameof(DataOptions.Classes));
        var threshold = t.Add(With("--threshold", "Accept when the nearest distance is at most X; 'auto' reads calibration.json of the index folder, else of the model folder.", "auto"));
        var strategy = t.Add(With("--strategy", "nearest: the nearest item's class; vote:K: a vote among the K nearest items within the threshold.", "nearest"));
        var output = t.Add(Optional<string>("--out", "Write the decisions to a .csv, .json or .parquet file (and, with --evaluate, the figures to <name>.openset.json)."), "Output");
        var evaluate = t.Add(With("--evaluate", "Score labelled queries: known-class accuracy, unknown rejection, unknown-detection AUROC, closed-set accuracy.", false));
        var json = t.Add(CommonOptions.Json());
        var command = t.CreateCommand("match", "Decide for each query item a class of the index or 'unknown', with a calibrated (or given) distance threshold.");
        command.SetAction(parse =>
        {
            var outPath = parse.GetValue(output);
            if (outPath is not null && OutputKind(outPath) is null)
                throw new ArgumentException($"'Output' must end in .csv, .json or .parquet; got '{outPath}'.", "Output");
            MatchStrategy matchStrategy;
            try
            {
                matchStrategy = MatchStrategy.Parse(parse.GetValue(strategy)!);
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"'Strategy': {e.Message}", "Strategy");
            }
            var thresholdText = parse.GetValue(threshold)!.Trim();
            double? given = null;
            if (!thresholdText.Equals("auto", StringComparison.OrdinalIgnoreCase))
            {
                if (!double.TryParse(thresholdText, NumberStyles.Float, CultureInfo.InvariantCulture, out var x))
                    throw new ArgumentException($"'Threshold' must be 'auto' or a number, got '{thresholdText}'.", "Threshold");
                given = x;
            }

            using var session = IndexSession.Open(parse.GetValue(index)!, parse.GetValue(model));
            if (given is { } g && (double.IsNaN(g) || double.IsInfinity(g) || (!session.Index.Measure.IsInverted && g < 0)))
                throw new ArgumentException($"'Threshold' must be a finite number{(session.Index.Measure.IsInverted ? "" : " >= 0 (a distance)")}, got {thresholdText}.", "Threshold");
            var (thresholdValue, thresholdSource) = given is { } v ? (v, "--threshold") : Calibrated(session, parse.GetValue(index)!);
            var matcher = new Matcher(session.Index, thresholdValue, matchStrategy);

            var queryPath = parse.GetValue(query);
            var dataOptions = DataFor(session.Model.Input.Data, queryPath, parse.GetValue(format), CommonOptions.ParseClasses(parse.GetValue(classes)));
            var part = DataParts.Resolve(parse.GetValue(split), queryPath is not null, "holdout");
            using var set = DataParts.Embed(session.Model, dataOptions, part, queryPath is not null);
            if (set.Count == 0) throw new DataFormatException(dataOptions.Path ?? "the bundled sample", $"the query set ({part} items) is empty: nothing to match.");
            var results = matcher.Match(set.Embeddings);
            var truth = Enumerable.Range(0, set.Count).Select(set.ClassName).ToArray();
            OpenSetMetrics? metrics = parse.GetValue(evaluate) ? OpenSetEvaluator.Evaluate(session.Index, results, truth) : null;

            var columns = Columns(set, results, session.Index);
            string? metricsPath = null;
            if (outPath is not null)
            {
                switch (OutputKind(outPath))
                {
                    case ".csv": AtomicFile.Write(outPath, s => EmbeddingWriter.WriteCsv(s, columns)); break;
                    case ".parquet": AtomicFile.Write(outPath, s => EmbeddingWriter.WriteParquet(s, columns).GetAwaiter().GetResult()); break;
                    default: AtomicFile.WriteAllText(outPath, Rows(columns).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"); break;
                }
                if (metrics is not null)
                {
                    metricsPath = Path.ChangeExtension(outPath, null) + ".openset.json";
                    AtomicFile.WriteAllText(metricsPath, Figures(metrics, thresholdValue, thresholdSource, matchStrategy).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
                }
            }

            int accepted = results.Count(r => r.IsKnown);
            if (parse.GetValue(json))
            {
                var node = new JsonObject
                {
                    ["index"] = session.Index.Path,
                    ["queries"] = set.Count,
                    ["threshold"] = thresholdValue,
                    ["threshold_source"] = thresholdSource,
                    ["strategy"] = matchStrategy.ToString(),
                    ["accepted"] = accepted,
                    ["unknown"] = set.Count - accepted,
                    ["open_set"] = metrics is null ? null : Figures(metrics, thresholdValue, thresholdSource, matchStrategy),
                    ["results"] = outPath is null ? Rows(columns) : null,
                    ["written"] = outPath,
                };
                ctx.Out.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            var ic = CultureInfo.InvariantCulture;
            ctx.Out.WriteLine(string.Create(ic, $"{set.Count} queries ({Describe(set, dataOptions)}, {part}) against {session.Index.Count} items of {session.Index.ClassNames.Count} classes; {session.Index.MeasureName} threshold {thresholdValue:G6} ({thresholdSource}), {matchStrategy}"));
            ctx.Out.WriteLine($"accepted {accepted}, unknown {set.Count - accepted}");
            if (outPath is null)
            {
                ctx.Out.WriteLine();
                ctx.Out.WriteLine("query                     true class            decided               distance  vote   nearest item");
                for (int i = 0; i < set.Count; i++)
                {
                    var r = results[i];
                    ctx.Out.WriteLine(string.Create(ic, $"{Cut(set.ItemName(i), 24),-24}  {Cut(truth[i], 20),-20}  {Cut(r.ClassName ?? "unknown", 20),-20}  {r.NearestDistance,8:F4}  {r.VoteShare,4:F2}   {r.NearestId}"));
                }
            }
            else ctx.Out.WriteLine($"wrote {outPath}");
            if (metrics is not null)
            {
                ctx.Out.WriteLine(string.Create(ic, $"open set: {metrics.KnownQueries} known + {metrics.UnknownQueries} unknown queries"));
                ctx.Out.WriteLine($"  known accuracy      {Figure(metrics.KnownAccuracy)}  (right class and accepted; {metrics.KnownWrong} wrong class, {metrics.KnownRejected} rejected)");
                ctx.Out.WriteLine($"  unknown rejection   {Figure(metrics.UnknownRejection)}");
                ctx.Out.WriteLine($"  unknown AUROC       {Figure(metrics.UnknownAuroc)}  (nearest distance as unknown-detector)");
                ctx.Out.WriteLine($"  closed-set accuracy {Figure(metrics.ClosedSetAccuracy)}  (known queries, no threshold)");
                ctx.Out.WriteLine($"  open-set accuracy   {Figure(metrics.OpenSetAccuracy)}");
                if (metricsPath is not null) ctx.Out.WriteLine($"wrote {metricsPath}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The threshold of the index's calibration, else of the model's (checked against the index's model and measure).</summary>
    private static (double Threshold, string Source) Calibrated(IndexSession session, string indexArg)
    {
        var inIndex = Path.Combine(session.Index.Path!, CalibrationFile.FileName);
        var inModel = session.Model.Path is { } m ? Path.Combine(m, CalibrationFile.FileName) : null;
        var path = File.Exists(inIndex) ? inIndex : inModel is not null && File.Exists(inModel) ? inModel : null;
        if (path is null)
        {
            var modelArg = session.Model.Path ?? "M";
            throw new ArgumentException($"'Threshold' is auto but there is no calibration ({CalibrationFile.FileName} in the index or model folder); run 'triplet calibrate --model {TrainCommand.Quote(modelArg)} --index {TrainCommand.Quote(indexArg)} --target-far 0.001' first, or give --threshold X.", "Threshold");
        }
        var c = CalibrationFile.ReadFor(session.Index, path);
        return (c.Threshold, $"{path}: {c.Target}, {c.Mode.ToString().ToLowerInvariant()}");
    }

    private static string? OutputKind(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => ".csv",
        ".json" => ".json",
        ".parquet" or ".pq" => ".parquet",
        _ => null,
    };

    private static List<TableColumn> Columns(EmbeddingSet set, MatchResult[] results, EmbeddingIndex index) =>
    [
        new("query", Enumerable.Range(0, set.Count).Select(set.ItemName).ToArray()),
        new("true_class", Enumerable.Range(0, set.Count).Select(set.ClassName).ToArray()),
        new("decided", results.Select(r => r.ClassName ?? "unknown").ToArray()),
        new("nearest_distance", results.Select(r => r.NearestDistance).ToArray()),
        new("nearest_id", results.Select(r => r.NearestId).ToArray()),
        new("nearest_class", results.Select(r => index.ClassNames[(int)r.NearestLabel]).ToArray()),
        new("vote_share", results.Select(r => r.VoteShare).ToArray()),
    ];

    private static JsonArray Rows(List<TableColumn> columns)
    {
        var rows = new JsonArray();
        for (int i = 0; i < columns[0].Values.Length; i++)
        {
            var row = new JsonObject();
            foreach (var c in columns)
                row[c.Name] = c.Values switch
                {
                    double[] d => JsonValue.Create(d[i]),
                    string[] s => JsonValue.Create(s[i]),
                    _ => null,
                };
            rows.Add(row);
        }
        return rows;
    }

    private static JsonObject Figures(OpenSetMetrics m, double threshold, string source, MatchStrategy strategy) => new()
    {
        ["threshold"] = threshold,
        ["threshold_source"] = source,
        ["strategy"] = strategy.ToString(),
        ["queries"] = m.Queries,
        ["known_queries"] = m.KnownQueries,
        ["unknown_queries"] = m.UnknownQueries,
        ["known_accuracy"] = m.KnownAccuracy,
        ["unknown_rejection"] = m.UnknownRejection,
        ["unknown_auroc"] = m.UnknownAuroc,
        ["closed_set_accuracy"] = m.ClosedSetAccuracy,
        ["open_set_accuracy"] = m.OpenSetAccuracy,
        ["known_correct"] = m.KnownCorrect,
        ["known_wrong"] = m.KnownWrong,
        ["known_rejected"] = m.KnownRejected,
        ["unknown_rejected"] = m.UnknownRejected,
    };

    private static string Figure(double? v) => v is { } x ? x.ToString("F4", CultureInfo.InvariantCulture) : "   -  ";

    private static string Cut(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
