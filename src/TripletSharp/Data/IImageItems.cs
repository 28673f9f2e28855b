namespace TripletSharp.Data;

/// <summary>Images that can be prepared one at a time, on any thread: from memory, or decoded from their files on demand.</summary>
internal interface IImageItems
{
    /// <summary>Number of items.</summary>
    int Count { get; }

    /// <summary>Shape of one item: [C, S, S].</summary>
    long[] ItemShape { get; }

    /// <summary>Writes item <paramref name="index"/> (C×S×S, values in [0, 1]) into <paramref name="destination"/>; safe to call from several threads at once.</summary>
    void Fill(int index, Span<float> destination);
}
