namespace TripletSharp.Recommendation;

/// <summary>
/// The one rule for leaving items out of a nearest-item ranking (a user's seen items, or the query item of "similar"):
/// search <see cref="SearchWidth"/> neighbours, enough that <c>k</c> remain, then <see cref="LeaveOut{T}"/>. Used by
/// <see cref="CmlModel.Recommend"/> (evaluation) and by the tool's <c>recommend</c> and <c>similar</c> (through the
/// item index), so both give the same lists.
/// </summary>
public static class SeenItems
{
    /// <summary>Neighbours to search so that <paramref name="k"/> remain after leaving out <paramref name="excluded"/> items: k + excluded, at most the catalogue.</summary>
    public static int SearchWidth(int k, int excluded, int itemCount)
    {
        Guard.Positive(k, nameof(k));
        Guard.NonNegative(excluded, nameof(excluded));
        return Math.Min(itemCount, k + excluded);
    }

    /// <summary>The first <paramref name="k"/> of <paramref name="ranked"/> (best first) whose item (<paramref name="item"/>) is not in <paramref name="exclude"/>, in order.</summary>
    public static List<T> LeaveOut<T>(IEnumerable<T> ranked, Func<T, int> item, IReadOnlyCollection<int> exclude, int k)
    {
        Guard.NotNull(ranked, nameof(ranked));
        Guard.NotNull(item, nameof(item));
        Guard.NotNull(exclude, nameof(exclude));
        var skip = exclude as ISet<int> ?? exclude.ToHashSet();
        return ranked.Where(x => !skip.Contains(item(x))).Take(k).ToList();
    }
}
