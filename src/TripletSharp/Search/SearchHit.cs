namespace TripletSharp.Search;

/// <summary>One neighbour found in an <see cref="EmbeddingIndex"/>.</summary>
/// <param name="Position">Row of the item in the index (0-based, in insertion order).</param>
/// <param name="Id">The item's id (file path or record id).</param>
/// <param name="Label">The item's class index into <see cref="EmbeddingIndex.ClassNames"/>.</param>
/// <param name="ClassName">The item's class name.</param>
/// <param name="Distance">The index measure between query and item (for the dot similarity, the similarity: larger is closer).</param>
public readonly record struct SearchHit(int Position, string Id, long Label, string ClassName, double Distance);
