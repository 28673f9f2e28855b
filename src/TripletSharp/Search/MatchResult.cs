namespace TripletSharp.Search;

/// <summary>The decision for one query.</summary>
/// <param name="Label">The decided class index into the index's class names, or null for unknown.</param>
/// <param name="ClassName">The decided class name, or null for unknown.</param>
/// <param name="NearestDistance">Distance to the nearest item (for the dot similarity: the similarity).</param>
/// <param name="NearestId">The nearest item's id.</param>
/// <param name="NearestPosition">The nearest item's position in the index.</param>
/// <param name="NearestLabel">The nearest item's class index, whatever the threshold (closed-set answer).</param>
/// <param name="VoteShare">Share of the K nearest that voted for <paramref name="Label"/> (votes / K, K clamped to the index size); 1 or 0 for the nearest strategy; 0 when unknown.</param>
public readonly record struct MatchResult(long? Label, string? ClassName, double NearestDistance, string NearestId, int NearestPosition, long NearestLabel, double VoteShare)
{
    /// <summary>Whether the query was accepted as a known class.</summary>
    public bool IsKnown => Label is not null;
}
