using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Data;

/// <summary>Per-channel (images) or per-feature (vectors) standardisation, computed on the training split and stored with the model.</summary>
/// <remarks>
/// Statistics are computed in double precision over every item (and every pixel, for images); the standard deviation
/// is the population one (divided by n). A standard deviation below <see cref="MinStd"/> (a constant channel or
/// feature) is stored as 1, so <see cref="Apply"/> only centres it and never divides by 0. The record is
/// JSON-serialisable with System.Text.Json.
/// </remarks>
/// <param name="Mean">Mean per channel or feature.</param>
/// <param name="Std">Standard deviation per channel or feature (never 0).</param>
public sealed record InputNormalization(float[] Mean, float[] Std)
{
    /// <summary>Standard deviations below this are replaced by 1.</summary>
    public const double MinStd = 1e-6;

    /// <summary>The per-channel mean of the ImageNet training images (R, G, B), as TorchVision's pretrained models expect.</summary>
    public static IReadOnlyList<float> ImageNetMean { get; } = [0.485f, 0.456f, 0.406f];

    /// <summary>The per-channel standard deviation of the ImageNet training images (R, G, B).</summary>
    public static IReadOnlyList<float> ImageNetStd { get; } = [0.229f, 0.224f, 0.225f];

    /// <summary>
    /// The ImageNet statistics that pretrained backbones expect, for images of <paramref name="channels"/> channels: the
    /// three per-channel values for colour; for grey images (which a backbone repeats into three channels) one channel
    /// with the mean of the three means and of the three deviations, the usual grey approximation.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="channels"/> is neither 1 nor 3.</exception>
    public static InputNormalization ImageNet(long channels) => channels switch
    {
        3 => new InputNormalization(ImageNetMean.ToArray(), ImageNetStd.ToArray()),
        1 => new InputNormalization([ImageNetMean.Average()], [ImageNetStd.Average()]),
        _ => throw new ArgumentException($"ImageNet normalisation is defined for colour (3-channel) or grey (1-channel) images, got {channels} channels.", nameof(channels)),
    };

    /// <summary>Computes the statistics of <paramref name="train"/>: per channel for N×C×H×W images, per feature for N×F vectors.</summary>
    public static InputNormalization Compute(Dataset train)
    {
        Guard.NotNull(train, nameof(train));
        if (train.Count == 0) throw new ArgumentException($"'{nameof(train)}' has no items.", nameof(train));
        if (train.Files is { } files) return Compute(files);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = train.Features.to_type(ScalarType.Float64);
        long[] dims = x.dim() switch
        {
            4 => new long[] { 0, 2, 3 },
            2 => new long[] { 0 },
            _ => throw new ArgumentException($"'{nameof(train)}' features must be N×C×H×W or N×F, got shape [{string.Join(", ", x.shape)}].", nameof(train)),
        };
        var mean = x.mean(dims).cpu().data<double>().ToArray();
        var std = x.std(dims, unbiased: false).cpu().data<double>().ToArray();
        return new InputNormalization(
            mean.Select(m => (float)m).ToArray(),
            std.Select(s => double.IsFinite(s) && s >= MinStd ? (float)s : 1f).ToArray());
    }

    /// <summary>
    /// The per-channel statistics of images decoded one at a time (a lazy dataset): per-item sums in double precision,
    /// added in item order, so the result does not depend on the number of threads.
    /// </summary>
    private static InputNormalization Compute(IImageItems items)
    {
        var shape = items.ItemShape;
        int channels = (int)shape[0], plane = (int)(shape[1] * shape[2]);
        var sums = new double[items.Count * channels * 2];
        Parallel.For(0, items.Count, () => new float[channels * plane], (i, _, buffer) =>
        {
            items.Fill(i, buffer);
            for (int c = 0; c < channels; c++)
            {
                double s = 0, q = 0;
                foreach (float v in buffer.AsSpan(c * plane, plane)) { s += v; q += (double)v * v; }
                sums[(i * channels + c) * 2] = s;
                sums[(i * channels + c) * 2 + 1] = q;
            }
            return buffer;
        }, _ => { });
        var mean = new float[channels];
        var std = new float[channels];
        double n = (double)items.Count * plane;
        for (int c = 0; c < channels; c++)
        {
            double s = 0, q = 0;
            for (int i = 0; i < items.Count; i++) { s += sums[(i * channels + c) * 2]; q += sums[(i * channels + c) * 2 + 1]; }
            double m = s / n, sd = Math.Sqrt(Math.Max(0, q / n - m * m));
            mean[c] = (float)m;
            std[c] = double.IsFinite(sd) && sd >= MinStd ? (float)sd : 1f;
        }
        return new InputNormalization(mean, std);
    }

    /// <summary>
    /// Standardises features on their own device and dtype: (x − mean) / std along the channel axis of N×C×H×W or
    /// C×H×W images, or the feature axis of N×F or F vectors.
    /// </summary>
    public Tensor Apply(Tensor features)
    {
        Guard.NotNull(features, nameof(features));
        if (Mean is null || Std is null || Mean.Length == 0 || Mean.Length != Std.Length)
            throw new InvalidOperationException($"This normalisation is malformed: {Mean?.Length ?? 0} means and {Std?.Length ?? 0} standard deviations.");
        if (!features.is_floating_point())
            throw new ArgumentException($"'{nameof(features)}' must be a floating-point tensor, got {features.dtype}.", nameof(features));
        long[] shape = features.dim() switch
        {
            4 => new long[] { 1, Mean.Length, 1, 1 },
            3 => new long[] { Mean.Length, 1, 1 },
            2 => new long[] { 1, Mean.Length },
            1 => new long[] { Mean.Length },
            _ => throw new ArgumentException($"'{nameof(features)}' must be N×C×H×W, C×H×W, N×F or F, got shape [{string.Join(", ", features.shape)}].", nameof(features)),
        };
        long axis = features.dim() is 4 or 2 ? 1 : 0;
        if (features.shape[axis] != Mean.Length)
            throw new ArgumentException(
                $"'{nameof(features)}' has {features.shape[axis]} {(features.dim() >= 3 ? "channels" : "features")} (shape [{string.Join(", ", features.shape)}]) but the normalisation was computed for {Mean.Length}.",
                nameof(features));
        using var scope = torch.NewDisposeScope();
        var mean = torch.tensor(Mean, device: features.device).to_type(features.dtype).reshape(shape);
        var std = torch.tensor(Std, device: features.device).to_type(features.dtype).reshape(shape);
        return features.sub(mean).div_(std).MoveToOuterDisposeScope();
    }
}
