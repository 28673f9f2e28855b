using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Search;
using TripletSharp.Components;
using TripletSharp.Training;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary><c>triplet search</c>: the nearest gallery items of every query item, with distances, as a table or JSON.</summary>
internal static class SearchCommand
{
    public static Command Create(CliContext ctx)
    {
        var t = new OptionTable();
        var model = t.Add(Optional<string>("--model", "Model folder (required with --gallery; with --index, default: the one the index was built with)."));
        var gallery = t.Add(Optional<string>("--gallery", "Dataset to search in (all its items, embedded on every call)."));
        var index = t.Add(Optional<string>("--index", "Index folder to search in (made by 'triplet index build'; nothing is re-embedded but the queries)."));
        var query = t.Add(new Option<string>("--query") { Description = "Dataset of query items (all its items).", Required = true });
        var format = t.Add(CommonOptions.Format("Format of the datasets: auto, idx, folder or csv."), nameof(DataOptions.Format));
        var classes = t.Add(CommonOptions.Classes(), nameof(DataOptions.Classes));
        var k = t.Add(With("--k", "Neighbours per query (more than the gallery holds: all of it, and the output says so).", 5));
        var maxQueries = t.Add(Optional<int?>("--max-queries", "Search only the first N query items."));
        var expansion = t.Add(Optional<int?>("--expansion-search", "HNSW index: candidate list size for this search instead of the saved one."), nameof(HnswOptions.ExpansionSearch));
        var json = t.Add(CommonOptions.Json());
        var command = t.CreateCommand("search", "Find the nearest items of each query item in a saved index (--index) or a dataset embedded on the fly (--gallery).");
        command.SetAction(parse =>
        {
            int kk = parse.GetValue(k);
            if (kk <= 0) throw new ArgumentException($"'K' must be > 0, got {kk}.", "K");
            if (parse.GetValue(maxQueries) is <= 0) throw new ArgumentException($"'MaxQueries' must be > 0, got {parse.GetValue(maxQueries)}.", "MaxQueries");
            if (parse.GetValue(expansion) is <= 0) throw new ArgumentException($"'ExpansionSearch' must be > 0, got {parse.GetValue(expansion)}.", "ExpansionSearch");
            var galleryPath = parse.GetValue(gallery);
            var indexPath = parse.GetValue(index);
            if ((galleryPath is null) == (indexPath is null))
                throw new ArgumentException("give either --gallery D (embedded on every call) or --index I (built once with 'triplet index build').", "Gallery");
            if (galleryPath is not null && parse.GetValue(model) is null)
                throw new ArgumentException("'Model' is required with --gallery.", "Model");
            var classList = CommonOptions.ParseClasses(parse.GetValue(classes));
            var formatName = parse.GetValue(format);
            using var session = indexPath is null ? null : IndexSession.Open(indexPath, parse.GetValue(model), new IndexOpenOptions { ExpansionSearch = parse.GetValue(expansion) });
            using var ownBundle = session is null ? ModelBundle.Load(parse.GetValue(model)!) : null;
            var bundle = session?.Model ?? ownBundle!;
            using var q = Embed(bundle, DataFor(bundle.Input.Data, parse.GetValue(query)!, formatName, classList), SplitSelection.All, explicitPath: true);
            if (q.Count == 0) throw new DataFormatException(parse.GetValue(query)!, "the query set is empty: nothing to search.");
            int queries = Math.Min(q.Count, parse.GetValue(maxQueries) ?? int.MaxValue);
            using var queryEmbeddings = q.Embeddings.narrow(0, 0, queries);
            Hit[][] hits;
            int gallerySize;
            string measureName;
            if (session is not null)
            {
                gallerySize = session.Index.Count;
                measureName = session.Index.MeasureName;
                hits = session.Index.Search(queryEmbeddings, kk).Select(row => row.Select(h => new Hit(h.Id, h.ClassName, h.Distance)).ToArray()).ToArray();
            }
            else
            {
                using var g = Embed(bundle, DataFor(bundle.Input.Data, galleryPath!, formatName, classList), SplitSelection.All, explicitPath: true);
                gallerySize = g.Count;
                var distance = bundle.CreateDistance();
                measureName = distance.Name;
                int ek = Math.Min(kk, g.Count);
                using var result = ExactKnn.Search(queryEmbeddings, g.Embeddings, ek, distance);
                long[] idx = result.Indices.contiguous().data<long>().ToArray();
                float[] dist = result.Distances.to_type(TorchSharp.torch.ScalarType.Float32).contiguous().data<float>().ToArray();
                hits = Enumerable.Range(0, queries).Select(i => Enumerable.Range(0, ek).Select(r =>
                {
                    int gi = (int)idx[i * ek + r];
                    return new Hit(g.ItemName(gi), g.ClassName(gi), dist[i * ek + r]);
                }).ToArray()).ToArray();
            }
            int effectiveK = Math.Min(kk, gallerySize);
            string clamp = effectiveK < kk ? $" (asked for {kk}; the {(session is null ? "gallery" : "index")} holds {gallerySize} items)" : "";
            // The library clamps k to the items there are; the tool says so, on stderr so that --json stays one document.
            if (effectiveK < kk) ctx.Err.WriteLine($"triplet search: --k {kk} is more than the {(session is null ? "gallery" : "index")} holds ({gallerySize} items); returning {effectiveK} per query.");

            if (parse.GetValue(json))
            {
                var array = new JsonArray();
                for (int i = 0; i < queries; i++)
                {
                    var neighbours = new JsonArray();
                    for (int r = 0; r < effectiveK; r++)
                    {
                        neighbours.Add(new JsonObject
                        {
                            ["rank"] = r + 1,
                            ["item"] = hits[i][r].Item,
                            ["class"] = hits[i][r].ClassName,
                            ["distance"] = hits[i][r].Distance,
                        });
                    }
                    array.Add(new JsonObject { ["query"] = q.ItemName(i), ["class"] = q.ClassName(i), ["k"] = effectiveK, ["neighbors"] = neighbours });
                }
                ctx.Out.WriteLine(array.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            var ic = CultureInfo.InvariantCulture;
            ctx.Out.WriteLine($"{queries} queries against {gallerySize} {(session is null ? "gallery" : "indexed")} items, {measureName} distance, k = {effectiveK}{clamp}");
            for (int i = 0; i < queries; i++)
            {
                ctx.Out.WriteLine();
                ctx.Out.WriteLine($"query {q.ItemName(i)} (class {q.ClassName(i)})");
                ctx.Out.WriteLine("  rank  distance  class                 item");
                for (int r = 0; r < effectiveK; r++)
                {
                    var h = hits[i][r];
                    ctx.Out.WriteLine(string.Create(ic, $"  {r + 1,4}  {h.Distance,8:F4}  {Truncate(h.ClassName, 20),-20}  {h.Item}"));
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private readonly record struct Hit(string Item, string ClassName, double Distance);

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
