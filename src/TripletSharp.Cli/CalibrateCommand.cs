using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using TripletSharp.Training;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary>
/// <c>triplet calibrate</c>: chooses a distance threshold on labelled validation data for a target FAR, precision or
/// recall and writes <c>calibration.json</c> into the model folder (and the index folder).
/// </summary>
internal static class CalibrateCommand
{
    /// <summary>Rows of the printed table of candidate thresholds.</summary>
    public const int TableRows = 15;

    public static Command Create(CliContext ctx)
    {
        var t = new OptionTable();
        var model = t.Add(CommonOptions.ModelFolder());
        var data = t.Add(CommonOptions.Data("Labelled validation data (default: the data the model was trained on)."), nameof(DataOptions.Path));
        var format = t.Add(CommonOptions.Format(), nameof(DataOptions.Format));
        var split = t.Add(CommonOptions.Split("Which items to calibrate on (default: validation, the half of the test part that 'holdout' leaves out; calibrate on validation, report on holdout)."));
        var classes = t.Add(CommonOptions.Classes(), nameof(DataOptions.Classes));
        var index = t.Add(Optional<string>("--index", "Index folder: identification queries are matched against it, and calibration.json is also written into it."));
        var mode = t.Add(Optional<string>("--mode", "verification (pairs: same class or not) or identification (each item's nearest gallery item: the index, else the other items). Default: identification with --index, else verification."));
        mode.AcceptOnlyFromAmong("verification", "identification");
        var far = t.Add(Optional<double?>("--target-far", "Choose the loosest threshold whose false accept rate is at most F (for example 0.001)."), "TargetFar");
        var precision = t.Add(Optional<double?>("--target-precision", "Choose the loosest threshold whose precision is at least P (for example 0.95)."), "TargetPrecision");
        var recall = t.Add(Optional<double?>("--target-recall", "Choose the tightest threshold whose recall is at least R."), "TargetRecall");
        var pairs = t.Add(Optional<string>("--pairs", "Verification: CSV of labelled pairs 'path1,path2,same' (default: all pairs of the items)."));
        var json = t.Add(CommonOptions.Json());
        var command = t.CreateCommand("calibrate", "Choose a distance threshold on labelled validation data for a target FAR, precision or recall; writes calibration.json into the model (and index) folder.");
        command.SetAction(parse =>
        {
            var targets = new[] { (far, CalibrationMetric.Far), (precision, CalibrationMetric.Precision), (recall, CalibrationMetric.Recall) }
                .Where(x => parse.GetValue(x.Item1) is not null).ToArray();
            if (targets.Length != 1)
                throw new ArgumentException($"give exactly one target: --target-far F, --target-precision P or --target-recall R{(targets.Length > 1 ? $" (got {targets.Length})" : "")}.", "TargetFar");
            var (option, metric) = targets[0];
            var target = new CalibrationTarget(metric, parse.GetValue(option)!.Value);
            CheckTarget(target, option.Name);
            var indexPath = parse.GetValue(index);
            var calibrationMode = parse.GetValue(mode) switch
            {
                "identification" => CalibrationMode.Identification,
                "verification" => CalibrationMode.Verification,
                _ => indexPath is null ? CalibrationMode.Verification : CalibrationMode.Identification,
            };
            if (parse.GetValue(pairs) is not null && calibrationMode != CalibrationMode.Verification)
                throw new ArgumentException("'Pairs' is for verification; leave it out or use --mode verification.", "Pairs");

            var modelDir = parse.GetValue(model)!;
            using var session = indexPath is null ? null : IndexSession.Open(indexPath, modelDir);
            using var ownBundle = session is null ? ModelBundle.Load(modelDir) : null;
            var bundle = session?.Model ?? ownBundle!;
            var fingerprint = session?.Fingerprint ?? ModelFingerprint.Compute(modelDir);
            var distance = bundle.CreateDistance();
            var dataPath = parse.GetValue(data);
            var dataOptions = DataFor(bundle.Input.Data, dataPath, parse.GetValue(format), CommonOptions.ParseClasses(parse.GetValue(classes)));
            var part = DataParts.Resolve(parse.GetValue(split), false, "validation");
            using var set = DataParts.Embed(bundle, dataOptions, part, dataPath is not null);
            if (set.Count == 0) throw new DataFormatException(dataOptions.Path ?? "the bundled sample", $"the {part} items are empty: nothing to calibrate on.");

            CalibrationResult result;
            string measuredOn;
            if (calibrationMode == CalibrationMode.Identification)
            {
                result = session is not null
                    ? ThresholdCalibrator.Identification(session.Index, set.Embeddings, Enumerable.Range(0, set.Count).Select(set.ClassName).ToArray(), target)
                    : ThresholdCalibrator.Identification(set.Embeddings, set.Labels, distance, target);
                measuredOn = session is not null ? $"{set.Count} {part} queries against the index's {session.Index.Count} items" : $"{set.Count} {part} items, each against the others";
            }
            else if (parse.GetValue(pairs) is { } pairsPath)
            {
                var (first, second, same) = PairMatcher.Match(pairsPath, set);
                using (first)
                using (second)
                    result = ThresholdCalibrator.Verification(first, second, same, distance, target);
                measuredOn = $"{same.Length} pairs of {pairsPath}";
            }
            else
            {
                result = ThresholdCalibrator.Verification(set.Embeddings, set.Labels, distance, target);
                measuredOn = $"all {result.Count} pairs of {set.Count} {part} items";
            }
            result = result with { ModelFingerprint = fingerprint };

            var written = new List<string> { Path.Combine(modelDir, CalibrationFile.FileName) };
            if (session is not null) written.Add(Path.Combine(session.Index.Path!, CalibrationFile.FileName));
            foreach (var path in written) CalibrationFile.Write(path, result, includeCurve: false);

            if (parse.GetValue(json))
            {
                var node = Summary(result);
                node["data"] = dataOptions.Path ?? "bundled sample";
                node["split"] = part;
                node["measured_on"] = measuredOn;
                node["written"] = new JsonArray(written.Select(w => (JsonNode)w).ToArray());
                node["curve"] = new JsonArray(result.Curve.Select(p => (JsonNode)Point(p)).ToArray());
                ctx.Out.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            var ic = CultureInfo.InvariantCulture;
            ctx.Out.WriteLine($"calibrated {result.Mode.ToString().ToLowerInvariant()} on {measuredOn} ({OptionBinding.Describe(set, dataOptions)}), {result.Measure}");
            ctx.Out.WriteLine($"target {result.Target}: {Describe(result)}");
            ctx.Out.WriteLine();
            ctx.Out.WriteLine($"candidate thresholds ({TableRows} of {result.Curve.Count}; --json lists all):");
            ctx.Out.WriteLine("      threshold  precision     recall         F1          FAR        TAR");
            int chosen = ChosenIndex(result);
            foreach (int i in TableIndices(result.Curve.Count, chosen, TableRows))
            {
                var p = result.Curve[i];
                ctx.Out.WriteLine(string.Create(ic, $"{(i == chosen ? "→" : " ")} {p.Threshold,13:G6}  {p.Precision,9:F4}  {p.Recall,9:F4}  {p.F1,9:F4}  {p.Far,11:G4}  {p.Tar,9:F4}"));
            }
            ctx.Out.WriteLine();
            ctx.Out.WriteLine($"wrote {string.Join(" and ", written)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void CheckTarget(CalibrationTarget target, string option)
    {
        double v = target.Value;
        bool ok = target.Metric == CalibrationMetric.Far ? v >= 0 && v <= 1 : v > 0 && v <= 1;
        if (!ok) throw new ArgumentException($"{option} must be in {(target.Metric == CalibrationMetric.Far ? "[0, 1]" : "(0, 1]")}, got {v.ToString("R", CultureInfo.InvariantCulture)}.");
    }

    /// <summary>The position of the chosen threshold in the curve.</summary>
    internal static int ChosenIndex(CalibrationResult r)
    {
        for (int i = 0; i < r.Curve.Count; i++)
            if (r.Curve[i].Threshold == r.Threshold) return i;
        return 0;
    }

    /// <summary>About <paramref name="rows"/> curve positions around <paramref name="chosen"/>, spaced geometrically towards both ends.</summary>
    internal static int[] TableIndices(int count, int chosen, int rows)
    {
        var set = new SortedSet<int> { chosen };
        int side = (rows - 1) / 2;
        for (int dir = -1; dir <= 1; dir += 2)
        {
            int room = dir < 0 ? chosen : count - 1 - chosen;
            for (int k = 1; k <= side && room > 0; k++)
            {
                int offset = Math.Min(room, Math.Max(k, (int)Math.Round(Math.Pow(room, (double)k / side))));
                set.Add(chosen + dir * offset);
            }
        }
        return set.ToArray();
    }

    /// <summary>The chosen threshold and the figures at it, in one line.</summary>
    internal static string Describe(CalibrationResult r) => string.Create(CultureInfo.InvariantCulture,
        $"threshold {r.Threshold:G6} ({r.Mode.ToString().ToLowerInvariant()}, {r.Target}): FAR {r.Far:G4}, TAR {r.Tar:F4}, precision {r.Precision:F4}, recall {r.Recall:F4}, F1 {r.F1:F4} on {r.Count} {(r.Mode == CalibrationMode.Verification ? "pairs" : "queries")} ({r.Positives} positive, {r.Negatives} negative)");

    /// <summary>The calibration without its curve, as JSON.</summary>
    internal static JsonObject Summary(CalibrationResult r) => new()
    {
        ["mode"] = r.Mode.ToString().ToLowerInvariant(),
        ["measure"] = r.Measure,
        ["higher_is_closer"] = r.HigherIsCloser,
        ["model_fingerprint"] = r.ModelFingerprint,
        ["target"] = new JsonObject { ["metric"] = r.Target.Metric.ToString().ToLowerInvariant(), ["value"] = r.Target.Value },
        ["threshold"] = r.Threshold,
        ["far"] = r.Far,
        ["tar"] = r.Tar,
        ["precision"] = r.Precision,
        ["recall"] = r.Recall,
        ["f1"] = r.F1,
        ["count"] = r.Count,
        ["positives"] = r.Positives,
        ["negatives"] = r.Negatives,
    };

    private static JsonObject Point(ThresholdPoint p) => new()
    {
        ["threshold"] = p.Threshold,
        ["precision"] = p.Precision,
        ["recall"] = p.Recall,
        ["f1"] = p.F1,
        ["far"] = p.Far,
        ["tar"] = p.Tar,
        ["tp"] = p.TruePositives,
        ["fp"] = p.FalsePositives,
    };
}
