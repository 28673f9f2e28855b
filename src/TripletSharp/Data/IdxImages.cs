namespace TripletSharp.Data;

/// <summary>The raw content of an IDX image file: <paramref name="Count"/> images of <paramref name="Rows"/>×<paramref name="Cols"/> bytes, row-major, one after the other.</summary>
/// <param name="Pixels">Count × Rows × Cols bytes (0 = black/background, 255 = white/ink as stored).</param>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Height of every image.</param>
/// <param name="Cols">Width of every image.</param>
internal sealed record IdxImages(byte[] Pixels, int Count, int Rows, int Cols)
{
    /// <summary>The bytes of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Image(int index)
    {
        if (index < 0 || index >= Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"'{nameof(index)}' must be in [0, {Count}), got {index}.");
        return Pixels.AsSpan(index * Rows * Cols, Rows * Cols);
    }
}
