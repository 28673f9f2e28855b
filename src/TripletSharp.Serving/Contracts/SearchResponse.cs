namespace TripletSharp.Serving.Contracts;

/// <summary>The nearest items, nearest first (at most <c>k</c>, fewer when the index is smaller).</summary>
internal sealed record SearchResponse(int K, string Measure, Neighbor[] Neighbors);
