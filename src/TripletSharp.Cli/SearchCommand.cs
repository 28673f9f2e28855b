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
        var model = t.Add(CommonOptions.ModelFolder("Model folder."));
        var gallery = t.Add(new Option<string>("--gallery") { Description = "Dataset to search in (all its items).", Required = true });
        var query = t.Add(new Option<string>("--query") { Description = "Dataset of query items (all its items).", Required = true });
        var format = t.Add(CommonOptions.Format("Format of both datasets: auto, idx, folder or csv."), nameof(DataOptions.Format));
        var k = t.Add(With("--k", "Neighbours per query.", 5));
        var maxQueries = t.Add(Optional<int?>("--max-queries", "Search only the first N query items."));
        var json = t.Add(CommonOptions.Json());
        var command = t.CreateCommand("search", "Find the nearest gallery items of each query item with a saved model.");
        command.SetAction(parse =>
        {
            int kk = parse.GetValue(k);
            if (kk <= 0) throw new ArgumentException($"'K' must be > 0, got {kk}.", "K");
            if (parse.GetValue(maxQueries) is <= 0) throw new ArgumentException($"'MaxQueries' must be > 0, got {parse.GetValue(maxQueries)}.", "MaxQueries");
            using var bundle = ModelBundle.Load(parse.GetValue(model)!);
            var formatName = parse.GetValue(format);
            using var g = Embed(bundle, DataFor(bundle.Input.Data, parse.GetValue(gallery)!, formatName), SplitSelection.All, explicitPath: true);
            using var q = Embed(bundle, DataFor(bundle.Input.Data, parse.GetValue(query)!, formatName), SplitSelection.All, explicitPath: true);
            int queries = Math.Min(q.Count, parse.GetValue(maxQueries) ?? int.MaxValue);
            int effectiveK = Math.Min(kk, g.Count);
            var distance = ComponentRegistry.CreateDistance(bundle.DistanceName);
            using var queryEmbeddings = q.Embeddings.narrow(0, 0, queries);
            using var result = ExactKnn.Search(queryEmbeddings, g.Embeddings, effectiveK, distance);
            long[] idx = result.Indices.contiguous().data<long>().ToArray();
            float[] dist = result.Distances.to_type(TorchSharp.torch.ScalarType.Float32).contiguous().data<float>().ToArray();

            if (parse.GetValue(json))
            {
                var array = new JsonArray();
                for (int i = 0; i < queries; i++)
                {
                    var neighbours = new JsonArray();
                    for (int r = 0; r < effectiveK; r++)
                    {
                        int gi = (int)idx[i * effectiveK + r];
                        neighbours.Add(new JsonObject
                        {
                            ["rank"] = r + 1,
                            ["item"] = g.ItemName(gi),
                            ["class"] = g.ClassName(gi),
                            ["distance"] = dist[i * effectiveK + r],
                        });
                    }
                    array.Add(new JsonObject { ["query"] = q.ItemName(i), ["class"] = q.ClassName(i), ["neighbors"] = neighbours });
                }
                ctx.Out.WriteLine(array.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            var ic = CultureInfo.InvariantCulture;
            ctx.Out.WriteLine($"{queries} queries against {g.Count} gallery items, {distance.Name} distance, k = {effectiveK}");
            for (int i = 0; i < queries; i++)
            {
                ctx.Out.WriteLine();
                ctx.Out.WriteLine($"query {q.ItemName(i)} (class {q.ClassName(i)})");
                ctx.Out.WriteLine("  rank  distance  class                 item");
                for (int r = 0; r < effectiveK; r++)
                {
                    int gi = (int)idx[i * effectiveK + r];
                    ctx.Out.WriteLine(string.Create(ic, $"  {r + 1,4}  {dist[i * effectiveK + r],8:F4}  {Truncate(g.ClassName(gi), 20),-20}  {g.ItemName(gi)}"));
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
