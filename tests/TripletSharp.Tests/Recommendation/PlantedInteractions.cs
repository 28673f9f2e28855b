using TripletSharp.Data;

namespace TripletSharp.Tests.Recommendation;

/// <summary>
/// Generated interactions with a planted answer: user u and item i belong to taste group u % G and i % G; every user
/// likes (rating 5) <c>liked</c> random items of its own group and rates <c>disliked</c> items of other groups 1.
/// Under leave-last-out a recommender that knows the groups ranks the held-out item among the user's few unseen
/// same-group items, so Recall@10 is 1 when a group has at most 10 unseen items.
/// </summary>
internal static class PlantedInteractions
{
    public static Interactions Make(int users = 80, int items = 60, int groups = 4, int liked = 8, int disliked = 3, int seed = 1)
    {
        var random = new Random(seed);
        var u = new List<int>();
        var it = new List<int>();
        var ratings = new List<double>();
        var times = new List<double>();
        for (int user = 0; user < users; user++)
        {
            var own = Enumerable.Range(0, items).Where(i => i % groups == user % groups).OrderBy(_ => random.Next()).Take(liked);
            var other = Enumerable.Range(0, items).Where(i => i % groups != user % groups).OrderBy(_ => random.Next()).Take(disliked);
            foreach (var (item, rating) in own.Select(i => (i, 5.0)).Concat(other.Select(i => (i, 1.0))))
            {
                u.Add(user);
                it.Add(item);
                ratings.Add(rating);
                times.Add(random.Next(1_000_000));
            }
        }
        return new Interactions("planted", Enumerable.Range(0, users).Select(x => $"u{x}").ToArray(), Enumerable.Range(0, items).Select(x => $"i{x}").ToArray(),
            [.. u], [.. it], [.. ratings], [.. times], ratings.Select(r => r >= 4).ToArray());
    }

    /// <summary>
    /// Item features of the planted items and of <paramref name="newItems"/> new items n0, n1, … (item i and new item
    /// n<i>j</i> are of group i % <paramref name="groups"/>, j % <paramref name="groups"/>) as a CSV movieId,year,genres:
    /// the group as a genre g<i>k</i>, plus a noise genre and a noise year.
    /// </summary>
    public static string WriteItemFeatures(string path, Interactions data, int newItems = 0, int groups = 4)
    {
        var random = new Random(11);
        var rows = data.ItemIds.Select((id, i) => (Id: id, Group: i % groups)).Concat(Enumerable.Range(0, newItems).Select(j => (Id: $"n{j}", Group: j % groups)));
        File.WriteAllLines(path, ["movieId,year,genres", .. rows.Select(r => $"{r.Id},{1980 + random.Next(40)},g{r.Group}|x{random.Next(3)}")]);
        return path;
    }

    /// <summary>The same data as a CSV (userId,movieId,rating,timestamp).</summary>
    public static string WriteCsv(string path, Interactions data)
    {
        File.WriteAllLines(path, new[] { "userId,movieId,rating,timestamp" }.Concat(Enumerable.Range(0, data.Count).Select(r =>
            $"{data.UserIds[data.Users[r]]},{data.ItemIds[data.Items[r]]},{data.Ratings[r]},{data.Times![r]}")));
        return path;
    }
}
