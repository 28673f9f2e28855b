using TripletSharp.Data;
using TripletSharp.Training;

namespace TripletSharp.Tests.Images;

/// <summary>Augmentation is a pure function of the image and the seed; the prefetcher's batches do not depend on threads or timing.</summary>
public class AugmentationTests
{
    private static float[] Ramp(int channels, int size) =>
        Enumerable.Range(0, channels * size * size).Select(i => (i * 37 % 101) / 100f).ToArray();

    [Theory]
    [InlineData(AugmentLevel.Light, 1)]
    [InlineData(AugmentLevel.Light, 3)]
    [InlineData(AugmentLevel.Standard, 1)]
    [InlineData(AugmentLevel.Standard, 3)]
    public void SameSeedSameImage_OtherSeedOtherImage_ValuesStayInRange(AugmentLevel level, int channels)
    {
        var aug = ImageAugmentation.For(level)!;
        const int size = 12;
        var src = Ramp(channels, size);
        var a = new float[src.Length];
        var b = new float[src.Length];
        aug.Apply(src, a, channels, size, ImageAugmentation.ItemSeed(7, 2, 5, 3));
        aug.Apply(src, b, channels, size, ImageAugmentation.ItemSeed(7, 2, 5, 3));
        Assert.Equal(a, b);
        int differing = 0;
        for (int item = 0; item < 8; item++)
        {
            aug.Apply(src, b, channels, size, ImageAugmentation.ItemSeed(7, 2, 5, 4 + item));
            if (!a.SequenceEqual(b)) differing++;
            Assert.All(b, v => Assert.InRange(v, 0f, 1f));
        }
        Assert.True(differing >= 7, $"only {differing} of 8 other seeds changed the image");
        Assert.NotEqual(ImageAugmentation.ItemSeed(7, 2, 5, 3), ImageAugmentation.ItemSeed(7, 5, 2, 3));
        Assert.NotEqual(ImageAugmentation.ItemSeed(7, 2, 5, 3), ImageAugmentation.ItemSeed(8, 2, 5, 3));
    }

    [Fact]
    public void FlipOnlyMirrorsExactly_CropOfAConstantImageIsConstant_BrightnessScales()
    {
        const int size = 5;
        var src = Ramp(3, size);
        var flipped = new float[src.Length];
        new ImageAugmentation { FlipProbability = 1 }.Apply(src, flipped, 3, size, 1);
        for (int c = 0; c < 3; c++)
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
            Assert.Equal(src[c * 25 + y * size + size - 1 - x], flipped[c * 25 + y * size + x]);

        var constant = Enumerable.Repeat(0.25f, 3 * size * size).ToArray();
        var cropped = new float[constant.Length];
        new ImageAugmentation { ScaleMin = 0.1, ScaleMax = 0.3 }.Apply(constant, cropped, 3, size, 99);
        Assert.All(cropped, v => Assert.Equal(0.25f, v, 6));

        // Brightness alone: every value times one factor in [0.5, 1.5] (clamped to 1).
        var bright = new float[src.Length];
        new ImageAugmentation { Brightness = 0.5 }.Apply(src, bright, 3, size, 5);
        int at = Array.FindIndex(src, v => v > 0.1f && v < 0.6f);
        double f = bright[at] / src[at];
        Assert.InRange(f, 0.5, 1.5);
        for (int i = 0; i < src.Length; i++) Assert.Equal(Math.Min(1, src[i] * f), bright[i], 4);
    }

    [Fact]
    public void CropReference_UpscaledHalfImageMatchesADoubleBilinearLoop()
    {
        // Scale exactly ¼ with ratio 1: the box is S/2 × S/2 somewhere; find it by brute force against a double reference.
        const int size = 8;
        var src = Ramp(1, size);
        var aug = new ImageAugmentation { ScaleMin = 0.25, ScaleMax = 0.25, RatioMin = 1, RatioMax = 1 };
        var got = new float[size * size];
        aug.Apply(src, got, 1, size, 1234);
        bool found = false;
        for (int top = 0; top <= size / 2 && !found; top++)
        for (int left = 0; left <= size / 2 && !found; left++)
        {
            bool same = true;
            for (int y = 0; y < size && same; y++)
            for (int x = 0; x < size && same; x++)
            {
                double fy = Math.Clamp((y + 0.5) * 0.5 - 0.5, 0, 3), fx = Math.Clamp((x + 0.5) * 0.5 - 0.5, 0, 3);
                int y0 = (int)fy, x0 = (int)fx, y1 = Math.Min(y0 + 1, 3), x1 = Math.Min(x0 + 1, 3);
                double P(int yy, int xx) => src[(top + yy) * size + left + xx];
                double v = (P(y0, x0) * (1 - (fx - x0)) + P(y0, x1) * (fx - x0)) * (1 - (fy - y0)) + (P(y1, x0) * (1 - (fx - x0)) + P(y1, x1) * (fx - x0)) * (fy - y0);
                same = Math.Abs(v - got[y * size + x]) < 1e-5;
            }
            found = same;
        }
        Assert.True(found, "the output is no bilinear 2× upscale of any 4×4 box of the source");
    }

    private sealed class CountingItems(float[][] values, int channels, int size) : IImageItems
    {
        public int Count => values.Length;
        public long[] ItemShape => [channels, size, size];
        public void Fill(int index, Span<float> destination)
        {
            Thread.Sleep(index % 3); // uneven timing: the result must not care
            values[index].CopyTo(destination);
        }
    }

    [Fact]
    public void PrefetchedBatches_DoNotDependOnWorkersOrTiming_AndMatchDirectPreparation()
    {
        const int size = 6;
        var rng = new Random(3);
        var items = Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, 3 * size * size).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
        var source = new CountingItems(items, 3, size);
        var aug = ImageAugmentation.For(AugmentLevel.Standard);
        var batches = Enumerable.Range(0, 6).Select(b => (b, Enumerable.Range(0, 8).Select(i => (b * 5 + i * 3) % 20).ToArray())).ToList();

        using var one = new BatchPrefetcher(source, aug, seed: 11, workers: 1);
        var reference = batches.Select(x => one.Prepare(2, x.b, x.Item2)).ToList();
        using var four = new BatchPrefetcher(source, aug, seed: 11, workers: 4);
        four.Start(2, batches);
        for (int b = 0; b < batches.Count; b++)
        {
            if (b == 2) Thread.Sleep(30); // let the queue fill
            Assert.Equal(reference[b], four.Take(b));
        }
        // Restarting mid-epoch (a resume at batch 3) gives the same batches from there.
        four.Start(2, batches.Skip(3).ToList());
        for (int b = 3; b < batches.Count; b++) Assert.Equal(reference[b], four.Take(b));
        // Another epoch or seed gives other images.
        Assert.NotEqual(reference[0], one.Prepare(3, 0, batches[0].Item2));
        using var other = new BatchPrefetcher(source, aug, seed: 12, workers: 1);
        Assert.NotEqual(reference[0], other.Prepare(2, 0, batches[0].Item2));
        // Without augmentation a batch is the items themselves.
        using var plain = new BatchPrefetcher(source, null, seed: 11, workers: 2);
        Assert.Equal(items[batches[1].Item2[4]], plain.Prepare(0, 1, batches[1].Item2).AsSpan(4 * items[0].Length, items[0].Length).ToArray());
    }
}
