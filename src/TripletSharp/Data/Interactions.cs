namespace TripletSharp.Data;

/// <summary>
/// User–item interactions as read from a file: dense user and item indices (in order of first appearance) with their
/// ids, one row per distinct (user, item) pair, its rating, time and whether it is a positive.
/// </summary>
public sealed class Interactions
{
    /// <summary>Creates the table; the arrays are kept, not copied.</summary>
    public Interactions(string source, IReadOnlyList<string> userIds, IReadOnlyList<string> itemIds, int[] users, int[] items, double[] ratings, double[]? times, bool[] positive,
        int duplicateRows = 0, int outOfOrderRows = 0)
    {
        Guard.NotNull(userIds, nameof(userIds));
        Guard.NotNull(itemIds, nameof(itemIds));
        int n = users.Length;
        if (items.Length != n || ratings.Length != n || positive.Length != n || (times is not null && times.Length != n))
            throw new ArgumentException("'users', 'items', 'ratings', 'times' and 'positive' must have one entry per interaction.", nameof(users));
        if (users.Any(u => u < 0 || u >= userIds.Count)) throw new ArgumentException("'users' holds an index outside 'userIds'.", nameof(users));
        if (items.Any(i => i < 0 || i >= itemIds.Count)) throw new ArgumentException("'items' holds an index outside 'itemIds'.", nameof(items));
        Source = source;
        UserIds = userIds;
        ItemIds = itemIds;
        Users = users;
        Items = items;
        Ratings = ratings;
        Times = times;
        Positive = positive;
        DuplicateRows = duplicateRows;
        OutOfOrderRows = outOfOrderRows;
    }

    /// <summary>The file read (empty for data made in memory).</summary>
    public string Source { get; }

    /// <summary>User ids; user index u is <c>UserIds[u]</c>.</summary>
    public IReadOnlyList<string> UserIds { get; }

    /// <summary>Item ids; item index i is <c>ItemIds[i]</c>.</summary>
    public IReadOnlyList<string> ItemIds { get; }

    /// <summary>User index of every interaction.</summary>
    public int[] Users { get; }

    /// <summary>Item index of every interaction.</summary>
    public int[] Items { get; }

    /// <summary>Rating of every interaction (1 where the file has no rating column).</summary>
    public double[] Ratings { get; }

    /// <summary>Time of every interaction, or null when the file has no time column.</summary>
    public double[]? Times { get; }

    /// <summary>Whether every interaction is a positive (rating ≥ threshold).</summary>
    public bool[] Positive { get; }

    /// <summary>Rows that repeated an earlier (user, item) pair; the latest one (by time, then file order) was kept.</summary>
    public int DuplicateRows { get; }

    /// <summary>Rows whose time is earlier than the same user's row before them (the file need not be sorted; the splits sort by time).</summary>
    public int OutOfOrderRows { get; }

    /// <summary>Number of interactions.</summary>
    public int Count => Users.Length;

    /// <summary>Number of users.</summary>
    public int UserCount => UserIds.Count;

    /// <summary>Number of items.</summary>
    public int ItemCount => ItemIds.Count;

    /// <summary>Number of positive interactions.</summary>
    public int PositiveCount => Positive.Count(p => p);
}
