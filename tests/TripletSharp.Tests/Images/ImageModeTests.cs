using TripletSharp.Data;
using TripletSharp.Tests.Data;

namespace TripletSharp.Tests.Images;

/// <summary>Every PNG colour type and bit depth decodes to the model's channels with the values a hand-made reference gives.</summary>
public class ImageModeTests
{
    private const int W = 3, H = 2;

    /// <summary>A source image, and the RGB values (in [0, 1]) its pixels stand for, row-major.</summary>
    public static TheoryData<string> Modes() => new() { "grey8", "grey16", "greyalpha8", "rgb8", "rgb16", "rgba8", "rgba16", "palette8", "palette-trns" };

    private static (byte[] Png, double[][] Rgb, double Tolerance) Make(string mode)
    {
        int n = W * H;
        int[] grey8 = [0, 17, 128, 200, 254, 255];
        int[] grey16 = [0, 4369, 32896, 51400, 65000, 65535];
        int[] rgb8 = [255, 0, 0, 0, 255, 0, 0, 0, 255, 12, 34, 56, 200, 100, 50, 255, 255, 255];
        int[] alpha8 = [255, 128, 0, 255, 64, 1];
        double[][] Grey(int[] v, double max) => v.Select(x => new[] { x / max, x / max, x / max }).ToArray();
        double[][] Rgb(int[] v, double max) => Enumerable.Range(0, n).Select(i => new[] { v[3 * i] / max, v[3 * i + 1] / max, v[3 * i + 2] / max }).ToArray();
        int[] Interleave(int[] colour, int[] alpha, int c) =>
            Enumerable.Range(0, n).SelectMany(i => colour.Skip(c * i).Take(c).Append(alpha[i])).ToArray();
        switch (mode)
        {
            case "grey8": return (HandPng.Encode(W, H, HandPng.Grey, 8, grey8), Grey(grey8, 255), 1e-6);
            case "grey16": return (HandPng.Encode(W, H, HandPng.Grey, 16, grey16), Grey(grey16, 65535), 1e-3);
            case "greyalpha8": return (HandPng.Encode(W, H, HandPng.GreyAlpha, 8, Interleave(grey8, alpha8, 1)), Grey(grey8, 255), 1e-6);
            case "rgb8": return (HandPng.Encode(W, H, HandPng.Rgb, 8, rgb8), Rgb(rgb8, 255), 1e-6);
            case "rgb16":
            {
                var v = rgb8.Select((x, i) => x * 257 - (i % 5) * 40).Select(x => Math.Max(0, x)).ToArray();
                return (HandPng.Encode(W, H, HandPng.Rgb, 16, v), Rgb(v, 65535), 1e-3);
            }
            case "rgba8": return (HandPng.Encode(W, H, HandPng.Rgba, 8, Interleave(rgb8, alpha8, 3)), Rgb(rgb8, 255), 1e-6);
            case "rgba16":
            {
                var v = rgb8.Select(x => x * 257).ToArray();
                return (HandPng.Encode(W, H, HandPng.Rgba, 16, Interleave(v, alpha8.Select(a => a * 257).ToArray(), 3)), Rgb(v, 65535), 1e-3);
            }
            case "palette8" or "palette-trns":
            {
                byte[] palette = [10, 20, 30, 250, 128, 0, 0, 90, 255];
                int[] index = [0, 1, 2, 2, 1, 0];
                var rgb = index.Select(i => new[] { palette[3 * i] / 255.0, palette[3 * i + 1] / 255.0, palette[3 * i + 2] / 255.0 }).ToArray();
                return (HandPng.Encode(W, H, HandPng.Palette, 8, index, palette, mode == "palette-trns" ? [255, 0, 128] : null), rgb, 1e-6);
            }
            default: throw new ArgumentException(mode);
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void EachModeDecodesToGreyAndColour_AsTheReference(string mode)
    {
        var (png, rgb, tol) = Make(mode);
        using var tmp = new TempDir();
        var file = tmp.File("x.png");
        File.WriteAllBytes(file, png);
        // The decoder must not stretch: a square crop of a 3×2 image at size 2 is columns 0..1 (offset ⌊(3 − 2) / 2⌋ = 0).
        foreach (var resize in new[] { ImageResize.Crop })
        {
            var colour = new float[3 * 2 * 2];
            ImageFolderReader.Decode(file, 2, grayscale: false, resize, colour);
            var grey = new float[2 * 2];
            ImageFolderReader.Decode(file, 2, grayscale: true, resize, grey);
            for (int y = 0; y < 2; y++)
            for (int x = 0; x < 2; x++)
            {
                var p = rgb[y * W + x];
                for (int c = 0; c < 3; c++) Assert.True(Math.Abs(p[c] - colour[c * 4 + y * 2 + x]) <= tol, $"{mode} ({x},{y}) channel {c}: {colour[c * 4 + y * 2 + x]} vs {p[c]}");
                double luma = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
                Assert.True(Math.Abs(luma - grey[y * 2 + x]) <= tol * 2, $"{mode} ({x},{y}) grey: {grey[y * 2 + x]} vs {luma}");
            }
        }
    }

    [Fact]
    public void CropKeepsTheCentredSquare_StretchKeepsEverything()
    {
        using var tmp = new TempDir();
        // 8×4, every column its own grey level: a crop at size 4 is columns 2..5, no resampling.
        int[] wide = Enumerable.Range(0, 4).SelectMany(_ => Enumerable.Range(0, 8).Select(x => 30 * x)).ToArray();
        var wideFile = tmp.File("wide.png");
        File.WriteAllBytes(wideFile, HandPng.Encode(8, 4, HandPng.Grey, 8, wide));
        var crop = new float[16];
        ImageFolderReader.Decode(wideFile, 4, true, ImageResize.Crop, crop);
        for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            Assert.Equal(30 * (x + 2) / 255.0, crop[y * 4 + x], 5);

        // 3×6 tall, every row its own level: crop at size 3 keeps rows 1..3 (offset ⌊(6 − 3) / 2⌋ = 1).
        int[] tall = Enumerable.Range(0, 6).SelectMany(y => Enumerable.Repeat(40 * y, 3)).ToArray();
        var tallFile = tmp.File("tall.png");
        File.WriteAllBytes(tallFile, HandPng.Encode(3, 6, HandPng.Grey, 8, tall));
        var tallCrop = new float[9];
        ImageFolderReader.Decode(tallFile, 3, true, ImageResize.Crop, tallCrop);
        for (int y = 0; y < 3; y++)
        for (int x = 0; x < 3; x++)
            Assert.Equal(40 * (y + 1) / 255.0, tallCrop[y * 3 + x], 5);

        // Crop then downscale: 16×8, left half dark, right half light → the centre 8×8 (columns 4..11) to 4×4:
        // the outer output columns are pure (their bilinear footprint lies inside one half).
        int[] halves = Enumerable.Range(0, 8).SelectMany(_ => Enumerable.Range(0, 16).Select(x => x < 8 ? 20 : 220)).ToArray();
        var halvesFile = tmp.File("halves.png");
        File.WriteAllBytes(halvesFile, HandPng.Encode(16, 8, HandPng.Grey, 8, halves));
        var down = new float[16];
        ImageFolderReader.Decode(halvesFile, 4, true, ImageResize.Crop, down);
        for (int y = 0; y < 4; y++)
        {
            Assert.Equal(20 / 255.0, down[y * 4], 2);
            Assert.Equal(220 / 255.0, down[y * 4 + 3], 2);
        }
        // Stretch (the default and the legacy behaviour) squeezes the whole width: 16 → 4 columns, still halves.
        var stretched = new float[16];
        ImageFolderReader.Decode(halvesFile, 4, true, stretched);
        var wholeCrop = new float[16];
        ImageFolderReader.Decode(halvesFile, 4, true, ImageResize.Stretch, wholeCrop);
        Assert.Equal(stretched, wholeCrop);
        Assert.Equal(20 / 255.0, stretched[0], 2);

        // A square image is the same either way.
        var square = tmp.File("square.png");
        File.WriteAllBytes(square, HandPng.Encode(8, 8, HandPng.Grey, 8, Enumerable.Range(0, 64).Select(i => i * 3).ToArray()));
        var a = new float[16];
        var b = new float[16];
        ImageFolderReader.Decode(square, 4, true, ImageResize.Crop, a);
        ImageFolderReader.Decode(square, 4, true, ImageResize.Stretch, b);
        Assert.Equal(a, b);
    }
}
