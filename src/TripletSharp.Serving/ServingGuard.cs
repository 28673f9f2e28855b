namespace TripletSharp.Serving;

/// <summary>Argument checks shared by the embedders.</summary>
internal static class ServingGuard
{
    public static void CheckBuffers(int itemsLength, int count, int itemLength, int destinationLength, int dim)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, $"'{nameof(count)}' must be >= 0, got {count}.");
        if ((long)count * itemLength != itemsLength)
            throw new ArgumentException($"'items' must hold {count} × {itemLength} values, got {itemsLength}.", "items");
        if ((long)count * dim != destinationLength)
            throw new ArgumentException($"'destination' must hold {count} × {dim} values, got {destinationLength}.", "destination");
    }
}
