using System.Runtime.InteropServices;
using SkiaSharp;

namespace TripletSharp.Data;

/// <summary>
/// Decodes image bytes (PNG, JPEG, BMP; any size and mode) into a model's input row exactly as training prepares images:
/// the one image decoder of the library, behind the image folder reader, <c>ModelBundle.Embed(files)</c> and the HTTP
/// service. Free of TorchSharp, so the ONNX-only service uses it too.
/// </summary>
public static class ImageBytes
{
    /// <summary>
    /// True when <paramref name="itemShape"/> is an image item a model takes from image files: C×S×S with C = 1 (grey)
    /// or 3 (RGB) and S in 1…1024.
    /// </summary>
    /// <param name="itemShape">The model's item shape (without the batch dimension).</param>
    public static bool IsImageShape(IReadOnlyList<long> itemShape)
    {
        Guard.NotNull(itemShape, nameof(itemShape));
        return itemShape.Count == 3 && itemShape[0] is 1 or 3 && itemShape[1] == itemShape[2] && itemShape[1] is >= 1 and <= 1024;
    }

    /// <summary>
    /// The resize recorded in a model's data options as JSON (<c>model.json</c>'s data record, which <c>triplet export</c>
    /// copies into the ONNX metadata <c>tripletsharp.data_options</c>); <see cref="DataOptions.UnrecordedResize"/> when there
    /// is no record or it has no <c>resize</c> field (what every model trained before the choice existed reads).
    /// </summary>
    /// <param name="dataOptionsJson">The recorded <see cref="DataOptions"/> as JSON, or null.</param>
    /// <exception cref="ArgumentException">The record is not valid data options JSON.</exception>
    public static ImageResize RecordedResize(string? dataOptionsJson)
    {
        if (string.IsNullOrWhiteSpace(dataOptionsJson)) return DataOptions.UnrecordedResize;
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<DataOptions>(dataOptionsJson, JsonDefaults.Options)?.Resize ?? DataOptions.UnrecordedResize;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArgumentException($"the recorded data options are not valid JSON data options ({e.Message}).", nameof(dataOptionsJson), e);
        }
    }

    /// <summary>
    /// Decodes one image into the model's input row: <paramref name="destination"/> receives C×S×S values in [0, 1]
    /// (see <see cref="IsImageShape"/>), prepared as training prepared the model's images (resized as
    /// <paramref name="resize"/> says, the model's recorded <see cref="DataOptions.Resize"/>; grey or RGB as C; 16-bit
    /// PNGs kept in half float). The model's input normalisation is not applied here (the model applies it).
    /// </summary>
    /// <param name="bytes">The encoded image.</param>
    /// <param name="itemShape">The model's item shape, C×S×S.</param>
    /// <param name="resize">The model's recorded resize (<see cref="ImageResize.Stretch"/> when it has no record).</param>
    /// <param name="destination">C×S×S values, row-major.</param>
    /// <param name="source">Names the image in errors (a file path, a form field).</param>
    /// <exception cref="ArgumentException"><paramref name="itemShape"/> is not an image shape, or <paramref name="destination"/> has the wrong length.</exception>
    /// <exception cref="DataFormatException">The bytes are empty, not an image, corrupt, truncated or implausibly large; the message names <paramref name="source"/>.</exception>
    public static void Decode(ReadOnlySpan<byte> bytes, IReadOnlyList<long> itemShape, ImageResize resize, Span<float> destination, string source)
    {
        Guard.NotNull(source, nameof(source));
        if (!IsImageShape(itemShape))
            throw new ArgumentException($"item shape {string.Join("×", itemShape)} is not a square grey or RGB image (C×S×S, C = 1 or 3).", nameof(itemShape));
        int channels = (int)itemShape[0], size = (int)itemShape[1];
        if (destination.Length != channels * size * size)
            throw new ArgumentException($"has {destination.Length} values but a {channels}×{size}×{size} item has {channels * size * size}.", nameof(destination));
        Decode(bytes, size, channels == 1, resize, destination, source);
    }

    /// <summary>
    /// Decodes one image of any mode (grey, grey + alpha, RGB, RGBA, palette, 8 or 16 bits per channel) into
    /// <paramref name="destination"/> (C×size×size, values in [0, 1]): resized as <paramref name="resize"/> says, then
    /// converted to 1 channel (ITU-R 601 luma) or 3 (RGB; a grey source gives R = G = B). Alpha is dropped (the stored
    /// colour is kept, as PIL's <c>convert("RGB")</c> does). 8-bit sources decode and resize in 8 bits (as every model
    /// trained so far read them); 16-bit PNGs decode and resize in half float (11 significant bits, about 5 × 10⁻⁴ near
    /// 1), three more bits than 8-bit decoding would keep.
    /// </summary>
    internal static void Decode(ReadOnlySpan<byte> bytes, int size, bool grayscale, ImageResize resize, Span<float> destination, string source)
    {
        if (bytes.Length == 0) throw new DataFormatException(source, "empty image (0 bytes).");

        using var skData = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(skData)
            ?? throw new DataFormatException(source, "not a readable image: unknown format or corrupt header (PNG, JPEG and BMP are supported).");
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > ImageFolderReader.MaxPixels)
            throw new DataFormatException(source, $"implausible image size {info.Width}×{info.Height} (at most {ImageFolderReader.MaxPixels} pixels).");

        // Skia offers 8 bits per channel by default; a 16-bit PNG (IHDR bit depth, byte 24) is decoded to float instead.
        bool wide = bytes.Length > 24 && bytes[0] == 0x89 && bytes[1] == (byte)'P' && bytes[12] == (byte)'I' && bytes[13] == (byte)'H' && bytes[24] == 16;
        var colorType = wide ? SKColorType.RgbaF16 : SKColorType.Rgba8888;
        var decodeInfo = new SKImageInfo(info.Width, info.Height, colorType, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap();
        if (!bitmap.TryAllocPixels(decodeInfo))
            throw new DataFormatException(source, $"cannot allocate {info.Width}×{info.Height} pixels for the image.");
        var result = codec.GetPixels(decodeInfo, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw new DataFormatException(source, $"corrupt or truncated image (decoder: {result}).");

        SKBitmap? cropped = null, resized = null;
        try
        {
            var pixels = bitmap;
            if (resize == ImageResize.Crop && info.Width != info.Height)
            {
                int side = Math.Min(info.Width, info.Height);
                var rect = SKRectI.Create((info.Width - side) / 2, (info.Height - side) / 2, side, side);
                cropped = new SKBitmap();
                if (!bitmap.ExtractSubset(cropped, rect))
                    throw new DataFormatException(source, $"cannot crop the centre {side}×{side} of the {info.Width}×{info.Height} image.");
                pixels = cropped;
            }
            if (pixels.Width != size || pixels.Height != size)
            {
                resized = pixels.Resize(new SKImageInfo(size, size, colorType, SKAlphaType.Unpremul), SKFilterQuality.Medium)
                    ?? throw new DataFormatException(source, $"cannot resize the image from {pixels.Width}×{pixels.Height} to {size}×{size}.");
                pixels = resized;
            }
            if (wide) CopyPlanes(MemoryMarshal.Cast<byte, Half>(RowMajor(pixels)), 1f, size, grayscale, destination);
            else CopyPlanes(RowMajor(pixels), 255f, size, grayscale, destination);
        }
        finally
        {
            resized?.Dispose();
            cropped?.Dispose();
        }
    }

    /// <summary>The pixels of <paramref name="bitmap"/> without row padding (a cropped subset shares its parent's rows).</summary>
    private static ReadOnlySpan<byte> RowMajor(SKBitmap bitmap)
    {
        int rowBytes = bitmap.Info.RowBytes;
        if (bitmap.RowBytes == rowBytes) return bitmap.GetPixelSpan()[..(rowBytes * bitmap.Height)];
        var packed = new byte[rowBytes * bitmap.Height];
        var all = bitmap.GetPixelSpan();
        for (int y = 0; y < bitmap.Height; y++) all.Slice(y * bitmap.RowBytes, rowBytes).CopyTo(packed.AsSpan(y * rowBytes));
        return packed;
    }

    /// <summary>RGBA pixels (bytes or floats) to 1 grey or 3 colour planes in [0, 1].</summary>
    private static void CopyPlanes<T>(ReadOnlySpan<T> px, float scale, int size, bool grayscale, Span<float> destination)
        where T : unmanaged, System.Numerics.INumberBase<T>
    {
        int plane = size * size;
        for (int i = 0; i < plane; i++)
        {
            float r = float.CreateTruncating(px[4 * i]), g = float.CreateTruncating(px[4 * i + 1]), b = float.CreateTruncating(px[4 * i + 2]);
            if (grayscale)
            {
                destination[i] = (0.299f * r + 0.587f * g + 0.114f * b) / scale;
            }
            else
            {
                destination[i] = r / scale;
                destination[plane + i] = g / scale;
                destination[2 * plane + i] = b / scale;
            }
        }
    }
}
