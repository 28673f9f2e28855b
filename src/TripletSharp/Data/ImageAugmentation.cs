namespace TripletSharp.Data;

/// <summary>
/// Training augmentation of one prepared image (C×S×S, values in [0, 1], C = 1 or 3), as a pure function of the image
/// and a 64-bit seed: the same seed gives the same output on any thread, in any order, on any machine.
/// </summary>
/// <remarks>
/// <para>Steps, in this fixed order: a random resized crop (TorchVision's <c>RandomResizedCrop</c> sampling: up to 10
/// tries of an area fraction in [<see cref="ScaleMin"/>, <see cref="ScaleMax"/>] and a log-uniform aspect ratio in
/// [<see cref="RatioMin"/>, <see cref="RatioMax"/>], else the whole image; the crop is resized back to S×S by bilinear
/// interpolation with half-pixel centres, without antialiasing), a left–right flip with probability
/// <see cref="FlipProbability"/>, then colour jitter: brightness, contrast and saturation factors drawn uniformly from
/// [max(0, 1 − j), 1 + j] (TorchVision's definitions: brightness scales, contrast blends with the mean grey level of
/// the image, saturation blends with each pixel's grey; grey images skip saturation; values are clamped to [0, 1]).
/// Hue is not jittered.</para>
/// <para>The crop is taken from the prepared S×S image (after decoding and resizing), not from the full-resolution
/// file: one decode serves every epoch's crops, and in-memory datasets (IDX) are augmented the same way.</para>
/// </remarks>
public sealed record ImageAugmentation
{
    /// <summary>Smallest area fraction of a random crop (1 with <see cref="ScaleMax"/> 1: no crop).</summary>
    public double ScaleMin { get; init; } = 1;

    /// <summary>Largest area fraction of a random crop.</summary>
    public double ScaleMax { get; init; } = 1;

    /// <summary>Smallest aspect ratio (width / height) of a random crop.</summary>
    public double RatioMin { get; init; } = 3.0 / 4;

    /// <summary>Largest aspect ratio of a random crop.</summary>
    public double RatioMax { get; init; } = 4.0 / 3;

    /// <summary>Probability of a left–right flip.</summary>
    public double FlipProbability { get; init; }

    /// <summary>Brightness jitter j: the factor is drawn from [max(0, 1 − j), 1 + j]; 0 leaves brightness alone.</summary>
    public double Brightness { get; init; }

    /// <summary>Contrast jitter.</summary>
    public double Contrast { get; init; }

    /// <summary>Saturation jitter (colour images only).</summary>
    public double Saturation { get; init; }

    /// <summary>The augmentation of <paramref name="level"/>; null for <see cref="AugmentLevel.None"/>.</summary>
    public static ImageAugmentation? For(AugmentLevel level) => level switch
    {
        AugmentLevel.None => null,
        AugmentLevel.Light => new ImageAugmentation { ScaleMin = 0.5, FlipProbability = 0.5 },
        AugmentLevel.Standard => new ImageAugmentation { ScaleMin = 0.08, FlipProbability = 0.5, Brightness = 0.4, Contrast = 0.4, Saturation = 0.4 },
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, $"'{nameof(level)}' is not a known augmentation level: {level}."),
    };

    /// <summary>
    /// The seed of item <paramref name="position"/> of batch <paramref name="batch"/> in <paramref name="epoch"/> of a
    /// run seeded <paramref name="seed"/>: a function of these four numbers only, so a resumed run draws the same crops.
    /// </summary>
    public static ulong ItemSeed(int seed, int epoch, int batch, int position)
    {
        ulong z = Mix((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ 0xA0761D6478BD642FUL);
        z = Mix(z ^ ((ulong)(uint)epoch << 32 | (uint)batch));
        return Mix(z ^ (ulong)(uint)position * 0xE7037ED1A0B428DBUL);
    }

    /// <summary>Augments <paramref name="source"/> into <paramref name="destination"/> (both C×S×S).</summary>
    /// <param name="source">The prepared image, values in [0, 1].</param>
    /// <param name="destination">Receives the augmented image; must not overlap <paramref name="source"/>.</param>
    /// <param name="channels">1 (grey) or 3 (RGB).</param>
    /// <param name="size">S.</param>
    /// <param name="seed">The item's seed (<see cref="ItemSeed"/>).</param>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, int channels, int size, ulong seed)
    {
        int plane = size * size;
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, $"'{nameof(channels)}' must be 1 or 3.");
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, $"'{nameof(size)}' must be positive.");
        if (source.Length != channels * plane || destination.Length != channels * plane)
            throw new ArgumentException($"'{nameof(source)}' and '{nameof(destination)}' must hold {channels}×{size}×{size} values.", nameof(source));
        var rng = new SplitMix64(seed);
        var (top, left, h, w) = CropBox(size, ref rng);
        bool flip = rng.NextDouble() < FlipProbability;
        ResizeCrop(source, destination, channels, size, top, left, h, w, flip);
        double b = Factor(Brightness, ref rng), c = Factor(Contrast, ref rng), s = Factor(Saturation, ref rng);
        if (b != 1) for (int i = 0; i < destination.Length; i++) destination[i] = Clamp(destination[i] * (float)b);
        if (c != 1)
        {
            double sum = 0;
            for (int i = 0; i < plane; i++) sum += Grey(destination, channels, plane, i);
            float mean = (float)(sum / plane);
            for (int i = 0; i < destination.Length; i++) destination[i] = Clamp((float)c * destination[i] + (float)(1 - c) * mean);
        }
        if (s != 1 && channels == 3)
        {
            for (int i = 0; i < plane; i++)
            {
                float g = Grey(destination, channels, plane, i);
                for (int ch = 0; ch < 3; ch++) destination[ch * plane + i] = Clamp((float)s * destination[ch * plane + i] + (float)(1 - s) * g);
            }
        }
    }

    /// <summary>TorchVision's RandomResizedCrop box on an S×S image: (top, left, height, width).</summary>
    private (int Top, int Left, int Height, int Width) CropBox(int size, ref SplitMix64 rng)
    {
        if (ScaleMin >= 1 && ScaleMax >= 1) return (0, 0, size, size);
        double area = (double)size * size, logMin = Math.Log(RatioMin), logMax = Math.Log(RatioMax);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * (ScaleMin + (ScaleMax - ScaleMin) * rng.NextDouble());
            double ratio = Math.Exp(logMin + (logMax - logMin) * rng.NextDouble());
            int w = (int)Math.Round(Math.Sqrt(target * ratio));
            int h = (int)Math.Round(Math.Sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= size && h <= size)
                return ((int)rng.NextBelow((ulong)(size - h + 1)), (int)rng.NextBelow((ulong)(size - w + 1)), h, w);
        }
        return (0, 0, size, size);
    }

    /// <summary>Bilinear resize of the box to S×S (half-pixel centres, edges clamped), mirrored when <paramref name="flip"/>.</summary>
    private static void ResizeCrop(ReadOnlySpan<float> src, Span<float> dst, int channels, int size, int top, int left, int h, int w, bool flip)
    {
        int plane = size * size;
        if (h == size && w == size)
        {
            for (int ch = 0; ch < channels; ch++)
            for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                dst[ch * plane + y * size + x] = src[ch * plane + y * size + (flip ? size - 1 - x : x)];
            return;
        }
        double sy = (double)h / size, sx = (double)w / size;
        for (int y = 0; y < size; y++)
        {
            double fy = Math.Clamp((y + 0.5) * sy - 0.5, 0, h - 1);
            int y0 = (int)fy, y1 = Math.Min(y0 + 1, h - 1);
            float wy = (float)(fy - y0);
            for (int x = 0; x < size; x++)
            {
                double fx = Math.Clamp((x + 0.5) * sx - 0.5, 0, w - 1);
                int x0 = (int)fx, x1 = Math.Min(x0 + 1, w - 1);
                float wx = (float)(fx - x0);
                int outX = flip ? size - 1 - x : x;
                for (int ch = 0; ch < channels; ch++)
                {
                    int o = ch * plane;
                    float a = src[o + (top + y0) * size + left + x0], b = src[o + (top + y0) * size + left + x1];
                    float c = src[o + (top + y1) * size + left + x0], d = src[o + (top + y1) * size + left + x1];
                    float upper = a + (b - a) * wx, lower = c + (d - c) * wx;
                    dst[o + y * size + outX] = upper + (lower - upper) * wy;
                }
            }
        }
    }

    private static double Factor(double jitter, ref SplitMix64 rng)
    {
        double u = rng.NextDouble(); // drawn even when unused, so one setting never shifts another's numbers
        return jitter <= 0 ? 1 : Math.Max(0, 1 - jitter) + (1 + jitter - Math.Max(0, 1 - jitter)) * u;
    }

    private static float Grey(ReadOnlySpan<float> x, int channels, int plane, int i) =>
        channels == 1 ? x[i] : 0.299f * x[i] + 0.587f * x[plane + i] + 0.114f * x[2 * plane + i];

    private static float Clamp(float v) => v < 0 ? 0 : v > 1 ? 1 : v;

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>SplitMix64 (Steele, Lea and Flood 2014): small, fast, and the same sequence everywhere.</summary>
    private struct SplitMix64(ulong state)
    {
        private ulong state = state;

        public ulong Next()
        {
            state += 0x9E3779B97F4A7C15UL;
            return Mix(state);
        }

        /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

        /// <summary>Uniform in [0, n) (multiply-shift; the bias is below 2⁻⁵⁰ for the small n used here).</summary>
        public ulong NextBelow(ulong n) => (ulong)(((UInt128)Next() * n) >> 64);
    }
}
