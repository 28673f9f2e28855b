namespace TripletSharp.Data;

/// <summary>What a <see cref="TupleSet"/> holds.</summary>
public enum TupleKind
{
    /// <summary>(anchor, positive, negative): the anchor is closer to the positive than to the negative.</summary>
    Triplets,

    /// <summary>(a, b, same): the two items are the same (1) or not (0).</summary>
    Pairs,
}
