using SkiaSharp;

namespace TripletSharp.Serving;

/// <summary>Decodes an uploaded PNG, JPEG or BMP image into C×H×W values in [0, 1], as the training data reader does, refusing any other size.</summary>
internal static class ImageDecoder
{
    public static void Decode(ReadOnlySpan<byte> bytes, IReadOnlyList<long> itemShape, Span<float> destination, string field)
    {
        if (itemShape.Count != 3) throw new BadInputException(field, "this model takes feature rows, not images; send JSON.");
        int channels = (int)itemShape[0], height = (int)itemShape[1], width = (int)itemShape[2];
        if (bytes.Length == 0) throw new BadInputException(field, "empty image (0 bytes).");
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
            ?? throw new BadInputException(field, "not a readable image: unknown format or corrupt header (PNG, JPEG and BMP are supported).");
        var info = codec.Info;
        if (info.Width != width || info.Height != height)
            throw new BadInputException(field, $"the image is {info.Width}×{info.Height} but the model takes {width}×{height} images; resize it first.");
        var decodeInfo = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap();
        if (!bitmap.TryAllocPixels(decodeInfo)) throw new BadInputException(field, $"cannot allocate {width}×{height} pixels.");
        var result = codec.GetPixels(decodeInfo, bitmap.GetPixels());
        if (result != SKCodecResult.Success) throw new BadInputException(field, $"corrupt or truncated image (decoder: {result}).");
        var px = bitmap.GetPixelSpan();
        int plane = width * height;
        for (int i = 0; i < plane; i++)
        {
            float r = px[4 * i], g = px[4 * i + 1], b = px[4 * i + 2];
            if (channels == 1)
            {
                destination[i] = (0.299f * r + 0.587f * g + 0.114f * b) / 255f;
            }
            else
            {
                destination[i] = r / 255f;
                destination[plane + i] = g / 255f;
                destination[2 * plane + i] = b / 255f;
            }
        }
    }
}
