using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TripletSharp.Data;
using TripletSharp.Recommendation;
using TripletSharp.Search;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary>
/// <c>triplet recommend</c> and <c>triplet similar</c>: the items nearest to a user's vector, or to an item's, through
/// the recommender's saved item index (<see cref="EmbeddingIndex"/>).
/// </summary>
internal static class RecommendCommand
{
    public static Command Create(CliContext ctx)
    {
        var t = new OptionTable();
        var model = t.Add(CommonOptions.ModelFolder("Recommender model folder (runs/<timestamp>/model of 'triplet train --format interactions')."));
        var user = t.Add(new Option<string>("--user") { Description = "User id, as in the training data.", Required = true });
        var k = t.Add(With("--k", "Items to recommend.", 10));
        var excludeSeen = t.Add(With("--exclude-seen", "Leave out the items the user interacted with in training.", false));
        var features = t.Add(ItemFeaturesOption());
        var json = t.Add(CommonOptions.Json());
        var command = t.CreateCommand("recommend", "Recommend items to a user of a recommender trained with --format interactions: the items nearest to the user's vector.");
        command.SetAction(parse =>
        {
            int kk = CheckK(parse.GetValue(k));
            var (m, index) = Open(parse.GetValue(model)!, parse.GetValue(features));
            using (index)
            {
                int u = m.UserOf(parse.GetValue(user)!);
                int[] skip = parse.GetValue(excludeSeen) ? m.Seen[u] : [];
                using var query = m.UserTensor([u]);
                var hits = SeenItems.LeaveOut(index.Search(query, SeenItems.SearchWidth(kk, skip.Length, m.ItemIds.Count))[0], h => h.Position, skip, kk);
                Write(ctx.Out, parse.GetValue(json), "user", m.UserIds[u], hits);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateSimilar(CliContext ctx)
    {
        var t = new OptionTable();
        var model = t.Add(CommonOptions.ModelFolder("Recommender model folder (runs/<timestamp>/model of 'triplet train --format interactions')."));
        var item = t.Add(new Option<string>("--item") { Description = "Item id, as in the training data (or in --item-features).", Required = true });
        var k = t.Add(With("--k", "Similar items to list.", 10));
        var features = t.Add(ItemFeaturesOption());
        var json = t.Add(CommonOptions.Json());
        var command = t.CreateCommand("similar", "List the items nearest to an item of a recommender trained with --format interactions.");
        command.SetAction(parse =>
        {
            int kk = CheckK(parse.GetValue(k));
            var (m, index) = Open(parse.GetValue(model)!, parse.GetValue(features));
            using (index)
            {
                int i = m.ItemOf(parse.GetValue(item)!);
                using var all = m.ItemTensor();
                using var query = all.narrow(0, i, 1);
                var hits = SeenItems.LeaveOut(index.Search(query, SeenItems.SearchWidth(kk, 1, m.ItemIds.Count))[0], h => h.Position, [i], kk);
                Write(ctx.Out, parse.GetValue(json), "item", m.ItemIds[i], hits);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static int CheckK(int k) => k > 0 ? k : throw new ArgumentException($"'K' must be > 0, got {k}.", "K");

    private static Option<string?> ItemFeaturesOption() =>
        Optional<string>("--item-features", "A CSV of item features laid out as the training's --item-features: its items that the model does not know are placed by the model's item tower and join the catalogue.");

    /// <summary>The model and its item index, checked to belong together; with <paramref name="featuresPath"/> the file's new items are placed and the index is built in memory.</summary>
    private static (CmlModel Model, EmbeddingIndex Index) Open(string folder, string? featuresPath)
    {
        var (model, fingerprint) = CmlModel.Load(folder);
        if (featuresPath is not null)
        {
            var schema = model.Tower?.Schema ?? throw new ArgumentException($"the recommender {folder} was trained without item features; --item-features needs one trained with them.", "ItemFeatures");
            model = model.PlaceItems(ItemFeaturesReader.Read(featuresPath, schema));
            return (model, model.BuildItemIndex(fingerprint));
        }
        var index = EmbeddingIndex.Open(Path.Combine(folder, CmlModel.IndexFolderName));
        try
        {
            index.CheckCompatible(fingerprint, model.Dimension, CmlModel.Measure);
        }
        catch
        {
            index.Dispose();
            throw;
        }
        return (model, index);
    }

    private static void Write(TextWriter o, bool json, string what, string id, IReadOnlyList<SearchHit> hits)
    {
        if (json)
        {
            o.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                [what] = id,
                ["items"] = hits.Select((h, r) => new Dictionary<string, object> { ["rank"] = r + 1, ["item"] = h.Id, ["distance"] = h.Distance }).ToList(),
            }));
            return;
        }
        o.WriteLine($"rank  item{new string(' ', 16)}distance");
        for (int r = 0; r < hits.Count; r++)
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r + 1,4}  {hits[r].Id,-20}{hits[r].Distance:F4}"));
    }
}
