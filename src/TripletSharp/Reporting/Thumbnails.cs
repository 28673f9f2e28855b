using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Reporting;

/// <summary>Turns C×H×W images in [0, 1] into small PNGs (for the report) or one sprite sheet (for the projector).</summary>
internal static class Thumbnails
{
    /// <summary>8-bit RGBA pixels (row-major, H×W×4) of the images at <paramref name="indices"/>.</summary>
    internal static (byte[][] Rgba, int Height, int Width) Pixels(Tensor images, IReadOnlyList<int> indices)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        int c = (int)images.shape[1], h = (int)images.shape[2], w = (int)images.shape[3];
        var idx = torch.tensor(indices.Select(i => (long)i).ToArray(), device: images.device);
        var sel = images.index_select(0, idx).to_type(ScalarType.Float32).nan_to_num(0).clamp(Scalars.I0, Scalars.I1).mul(Scalars.Of(255L)).round().to_type(ScalarType.Byte);
        if (c == 1) sel = sel.expand(-1, 3, -1, -1);
        var alpha = torch.full(indices.Count, 1, h, w, Scalars.Of(255L), dtype: ScalarType.Byte, device: sel.device);
        var hwc = torch.cat([sel, alpha], 1).permute(0, 2, 3, 1).contiguous().cpu();
        var all = hwc.data<byte>().ToArray();
        int per = h * w * 4;
        var result = new byte[indices.Count][];
        for (int i = 0; i < indices.Count; i++) result[i] = all.AsSpan(i * per, per).ToArray();
        return (result, h, w);
    }

    /// <summary>Size that fits <paramref name="h"/>×<paramref name="w"/> into <paramref name="maxSide"/> (never enlarged).</summary>
    internal static (int Height, int Width) Fit(int h, int w, int maxSide)
    {
        if (h <= maxSide && w <= maxSide) return (h, w);
        double s = (double)maxSide / Math.Max(h, w);
        return (Math.Max(1, (int)Math.Round(h * s)), Math.Max(1, (int)Math.Round(w * s)));
    }

    internal static SKBitmap ToBitmap(byte[] rgba, int h, int w, int maxSide)
    {
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bmp = new SKBitmap(info);
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bmp.GetPixels(), rgba.Length);
        var (th, tw) = Fit(h, w, maxSide);
        if (th == h && tw == w) return bmp;
        using (bmp)
            return bmp.Resize(new SKImageInfo(tw, th, SKColorType.Rgba8888, SKAlphaType.Unpremul), SKFilterQuality.Medium)
                ?? throw new InvalidOperationException($"Could not scale a {w}×{h} image to {tw}×{th}.");
    }

    internal static byte[] EncodePng(SKBitmap bitmap)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("PNG encoding failed.");
        return data.ToArray();
    }

    /// <summary>PNG data URIs of the images at <paramref name="indices"/>, keyed by item index.</summary>
    internal static Dictionary<int, string> DataUris(Tensor images, IReadOnlyList<int> indices, int maxSide)
    {
        var result = new Dictionary<int, string>();
        if (indices.Count == 0) return result;
        var (pixels, h, w) = Pixels(images, indices);
        // Each image is scaled and encoded on its own (in parallel: 2,000 PNGs are most of this), then keyed in order.
        var uris = new string[indices.Count];
        Parallel.For(0, indices.Count, i =>
        {
            using var bmp = ToBitmap(pixels[i], h, w, maxSide);
            uris[i] = "data:image/png;base64," + Convert.ToBase64String(EncodePng(bmp));
        });
        for (int i = 0; i < indices.Count; i++) result[indices[i]] = uris[i];
        return result;
    }

    /// <summary>
    /// One PNG holding every image in a square grid, row-major from the top left, as the Embedding Projector expects;
    /// each cell is scaled so that the sheet stays within <paramref name="maxSheetSide"/> pixels.
    /// </summary>
    internal static (byte[] Png, int CellHeight, int CellWidth) Sprite(Tensor images, int maxCell, int maxSheetSide = 8192)
    {
        int n = (int)images.shape[0];
        int grid = Math.Max(1, (int)Math.Ceiling(Math.Sqrt(n)));
        int cellLimit = Math.Max(1, Math.Min(maxCell, maxSheetSide / grid));
        int h = (int)images.shape[2], w = (int)images.shape[3];
        var (ch, cw) = Fit(h, w, cellLimit);
        using var sheet = new SKBitmap(new SKImageInfo(grid * cw, grid * ch, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        sheet.Erase(SKColors.Transparent);
        using (var canvas = new SKCanvas(sheet))
        {
            const int chunk = 512;
            for (int start = 0; start < n; start += chunk)
            {
                var idx = Enumerable.Range(start, Math.Min(chunk, n - start)).ToArray();
                var (pixels, _, _) = Pixels(images, idx);
                for (int i = 0; i < idx.Length; i++)
                {
                    using var bmp = ToBitmap(pixels[i], h, w, cellLimit);
                    int cell = idx[i];
                    canvas.DrawBitmap(bmp, (cell % grid) * cw, (cell / grid) * ch);
                }
            }
        }
        return (EncodePng(sheet), ch, cw);
    }
}
