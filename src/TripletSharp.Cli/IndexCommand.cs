using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using TripletSharp.Search;
using TripletSharp.Training;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary><c>triplet index build|add|info</c>: a persistent index of a gallery's embeddings (exact or HNSW).</summary>
internal static class IndexCommand
{
    public static Command Create(CliContext ctx)
    {
        var command = new Command("index", "Build, extend and describe a persistent index of embeddings (exact or HNSW), searched by 'search --index' and 'match'.")
        {
            Build(ctx),
            Add(ctx),
            Info(ctx),
        };
        command.SetAction(_ =>
        {
            ctx.Err.WriteLine("triplet index: a sub-command is required: build, add or info (see 'triplet index --help').");
            return ExitCodes.Usage;
        });
        return command;
    }

    private static Command Build(CliContext ctx)
    {
        var h = new HnswOptions();
        var t = new OptionTable();
        var model = t.Add(CommonOptions.ModelFolder());
        var data = t.Add(CommonOptions.Data("Gallery dataset (default: the data the model was trained on)."), nameof(DataOptions.Path));
        var format = t.Add(CommonOptions.Format(), nameof(DataOptions.Format));
        var split = t.Add(CommonOptions.Split("Which items to index (default: every item of --data, else the model's training items)."));
        var classes = t.Add(CommonOptions.Classes(), nameof(DataOptions.Classes));
        var output = t.Add(new Option<string>("--out") { Description = "Index folder to create.", Required = true }, "Output");
        var kind = t.Add(Choice("--kind", "exact: every item compared (best below ~100,000 items); hnsw: approximate graph search (USearch).", "exact", ["exact", "hnsw"]));
        var connectivity = t.Add(With("--connectivity", "HNSW: links per node.", h.Connectivity), nameof(HnswOptions.Connectivity));
        var expansionAdd = t.Add(With("--expansion-add", "HNSW: candidate list size while inserting.", h.ExpansionAdd), nameof(HnswOptions.ExpansionAdd));
        var expansionSearch = t.Add(With("--expansion-search", "HNSW: candidate list size while searching (can be overridden by search and match).", h.ExpansionSearch), nameof(HnswOptions.ExpansionSearch));
        var scalar = t.Add(Choice("--scalar", "HNSW: how the graph stores vectors (i8 only for normalised measures such as cosine).", "f32", ["f32", "f16", "i8"]), nameof(HnswOptions.Scalar));
        var threads = t.Add(With("--build-threads", "HNSW: threads inserting (1 builds the same graph on every run).", h.BuildThreads), nameof(HnswOptions.BuildThreads));
        var command = t.CreateCommand("build", "Embed a gallery once and write an index folder (embeddings, labels, classes, ids, measure, model fingerprint, HNSW graph).");
        command.SetAction(parse =>
        {
            var outPath = parse.GetValue(output)!;
            if (Directory.Exists(outPath) && Directory.EnumerateFileSystemEntries(outPath).Any())
                throw new ArgumentException($"'Output' {outPath} exists and is not empty; add items with 'triplet index add --index {outPath}', or remove it first.", "Output");
            var indexKind = parse.GetValue(kind) == "hnsw" ? IndexKind.Hnsw : IndexKind.Exact;
            var hnsw = new HnswOptions
            {
                Connectivity = parse.GetValue(connectivity),
                ExpansionAdd = parse.GetValue(expansionAdd),
                ExpansionSearch = parse.GetValue(expansionSearch),
                Scalar = Enum.Parse<HnswScalar>(parse.GetValue(scalar)!, ignoreCase: true),
                BuildThreads = parse.GetValue(threads),
            };
            var modelDir = parse.GetValue(model)!;
            var fingerprint = ModelFingerprint.Compute(modelDir);
            using var bundle = ModelBundle.Load(modelDir);
            var dataPath = parse.GetValue(data);
            var dataOptions = DataFor(bundle.Input.Data, dataPath, parse.GetValue(format), CommonOptions.ParseClasses(parse.GetValue(classes)));
            var part = DataParts.Resolve(parse.GetValue(split), dataPath is not null, "train");
            using var set = DataParts.Embed(bundle, dataOptions, part, dataPath is not null);
            if (set.Count == 0) throw new DataFormatException(dataOptions.Path ?? "the bundled sample", $"the {part} items are empty; an index needs at least one item.");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            using var index = EmbeddingIndex.Build(set.Embeddings, set.Labels, set.ClassNames, Ids(set), bundle.CreateDistance(), fingerprint, indexKind, hnsw);
            index.Save(outPath);
            IndexSession.RecordModel(outPath, modelDir);
            ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {outPath}: {index.Count} items ({Describe(set, dataOptions)}, {part}), {index.Dimension}-d, {Kind(index)}, {index.MeasureName}, model {ModelFingerprint.Short(fingerprint)}; built in {watch.Elapsed.TotalSeconds:0.0} s"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Add(CliContext ctx)
    {
        var t = new OptionTable();
        var index = t.Add(CommonOptions.IndexFolder());
        var model = t.Add(CommonOptions.ModelOfIndex(), "Model");
        var data = t.Add(new Option<string>("--data") { Description = "Dataset whose new items (ids not yet in the index) are embedded and added.", Required = true }, nameof(DataOptions.Path));
        var format = t.Add(CommonOptions.Format(), nameof(DataOptions.Format));
        var split = t.Add(CommonOptions.Split("Which items of --data (default: all)."));
        var classes = t.Add(CommonOptions.Classes(), nameof(DataOptions.Classes));
        var command = t.CreateCommand("add", "Append the items of a dataset that the index does not hold yet (by item id), embedding only those; the index is replaced as a whole.");
        command.SetAction(parse =>
        {
            using var session = IndexSession.Open(parse.GetValue(index)!, parse.GetValue(model));
            var dataPath = parse.GetValue(data)!;
            var dataOptions = DataFor(session.Model.Input.Data, dataPath, parse.GetValue(format), CommonOptions.ParseClasses(parse.GetValue(classes)));
            var part = DataParts.Resolve(parse.GetValue(split), true, "all");
            using var all = DataParts.Load(dataOptions, part, explicitPath: true);
            session.Model.CheckCompatible(all, dataPath);
            var known = session.Index.ItemIds.ToHashSet(StringComparer.Ordinal);
            var ids = Enumerable.Range(0, all.Count).Select(i => all.ItemNames?[i] ?? $"{part}#{i}").ToArray();
            var fresh = Enumerable.Range(0, all.Count).Where(i => !known.Contains(ids[i])).ToArray();
            int skipped = all.Count - fresh.Length;
            if (fresh.Length == 0)
            {
                ctx.Out.WriteLine($"nothing to add: all {all.Count} items of {dataPath} are already in the index ({session.Index.Count} items)");
                return ExitCodes.Ok;
            }
            using var items = all.Subset(fresh);
            using var embeddings = session.Model.Embed(items, dataSource: dataPath);
            var classNames = session.Index.ClassNames.ToList();
            foreach (var c in items.ClassNames.Where(c => !classNames.Contains(c))) classNames.Add(c);
            var labels = items.Labels.Select(l => (long)classNames.IndexOf(items.ClassNames[(int)l])).ToArray();
            session.Index.Add(embeddings, labels, fresh.Select(i => ids[i]).ToArray(), classNames);
            session.Index.Save();
            ctx.Out.WriteLine($"added {fresh.Length} new items ({skipped} already in the index) from {dataPath}; {session.Index.Path} now holds {session.Index.Count} items of {session.Index.ClassNames.Count} classes");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Info(CliContext ctx)
    {
        var t = new OptionTable();
        var index = t.Add(CommonOptions.IndexFolder());
        var json = t.Add(CommonOptions.Json());
        var command = t.CreateCommand("info", "Describe an index: size, dimension, kind, measure, model fingerprint, HNSW settings and calibration.");
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(index)!;
            using var i = EmbeddingIndex.Open(folder);
            var calibrationPath = Path.Combine(i.Path!, CalibrationFile.FileName);
            CalibrationResult? calibration = File.Exists(calibrationPath) ? CalibrationFile.Read(calibrationPath) : null;
            long bytes = Directory.GetFiles(i.Path!).Sum(f => new FileInfo(f).Length);
            var perClass = i.Labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
            if (parse.GetValue(json))
            {
                var node = new JsonObject
                {
                    ["index"] = i.Path,
                    ["items"] = i.Count,
                    ["dimension"] = i.Dimension,
                    ["kind"] = i.Kind.ToString().ToLowerInvariant(),
                    ["measure"] = i.MeasureName,
                    ["normalize"] = i.Measure.NormalizeEmbeddings,
                    ["model_fingerprint"] = i.ModelFingerprint,
                    ["model"] = IndexSession.RecordedModel(i.Path!),
                    ["bytes"] = bytes,
                    ["classes"] = new JsonArray(i.ClassNames.Select((c, k) => (JsonNode)new JsonObject { ["name"] = c, ["items"] = perClass.GetValueOrDefault(k) }).ToArray()),
                    ["hnsw"] = i.Hnsw is { } h ? new JsonObject
                    {
                        ["connectivity"] = h.Connectivity,
                        ["expansion_add"] = h.ExpansionAdd,
                        ["expansion_search"] = h.ExpansionSearch,
                        ["scalar"] = h.Scalar.ToString().ToLowerInvariant(),
                    } : null,
                    ["calibration"] = calibration is null ? null : CalibrateCommand.Summary(calibration),
                };
                ctx.Out.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            var ic = CultureInfo.InvariantCulture;
            ctx.Out.WriteLine($"index        {i.Path}");
            ctx.Out.WriteLine(string.Create(ic, $"items        {i.Count} in {i.ClassNames.Count} classes ({string.Join(", ", i.ClassNames.Select((c, k) => $"{c} {perClass.GetValueOrDefault(k)}"))})"));
            ctx.Out.WriteLine($"dimension    {i.Dimension}");
            ctx.Out.WriteLine($"kind         {Kind(i)}");
            ctx.Out.WriteLine($"measure      {i.MeasureName}{(i.Measure.NormalizeEmbeddings && i.MeasureName != "cosine" ? " (normalized)" : "")}");
            ctx.Out.WriteLine($"model        {i.ModelFingerprint}{(IndexSession.RecordedModel(i.Path!) is { } m ? $" ({m})" : "")}");
            ctx.Out.WriteLine(string.Create(ic, $"size         {bytes / 1048576.0:0.0} MiB on disk"));
            ctx.Out.WriteLine(calibration is null
                ? "calibration  none (triplet calibrate --model M --index I --target-far 0.001)"
                : $"calibration  {CalibrateCommand.Describe(calibration)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Item ids: the data's item names (file path or record id), else the part and row.</summary>
    internal static string[] Ids(EmbeddingSet set) => Enumerable.Range(0, set.Count).Select(set.ItemName).ToArray();

    private static string Kind(EmbeddingIndex index) => index.Hnsw is { } h
        ? string.Create(CultureInfo.InvariantCulture, $"hnsw (connectivity {h.Connectivity}, expansion-add {h.ExpansionAdd}, expansion-search {h.ExpansionSearch}, {h.Scalar.ToString().ToLowerInvariant()})")
        : "exact";
}
