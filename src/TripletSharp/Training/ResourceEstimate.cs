using System.Globalization;
using TripletSharp.Data;
using TripletSharp.Models;

namespace TripletSharp.Training;

/// <summary>
/// What a run will take, estimated before it starts from the data description and the options: peak memory (the
/// runtime, the decoded data, the model's parameters with their gradients, optimiser state and saved copies, and the
/// activations kept for backward at the batch size) and disk (model and checkpoint weights, as many files as are kept).
/// </summary>
/// <remarks>
/// <para>Memory, in bytes: <c>R + 2·N·I + 4·W·(3 + s) + max(κa·4·B·A + 2·4·E·L, 4·W·(c1 + c2·s))</c>. R is the runtime
/// (.NET + libtorch, <see cref="RuntimeBytes"/>); N the items the reader holds decoded and I the bytes of one (the
/// decoded tensor and its standardised copy); W the parameters, held as weights, gradients, the in-memory copy of the
/// best weights and s optimiser slots (Adam 2, SGD with momentum 1, plain SGD 0). Then the larger of two moments: a
/// training batch (B = P×K items, A layer outputs per item kept for backward, see <see cref="Cost"/>, times κa for
/// what backward adds; plus the evaluation's forward pass of E items whose largest layer output is L) and a save (the
/// model and optimiser serialised to byte arrays for the model folder and the checkpoint: c1 + c2·s copies of the
/// weights). κa, c1 and c2 are calibrated by the measured runs in README "Reliability".</para>
/// <para>Disk: the model folder holds the weights once, the checkpoint the weights and the optimiser's state; a save
/// writes the new files before it removes the old ones, so the peak holds the checkpoint twice.</para>
/// </remarks>
public sealed record ResourceEstimate
{
    /// <summary>The runtime's own resident memory (.NET, libtorch, the tool), measured on a 28×28 run: 240 MB.</summary>
    public const long RuntimeBytes = 240L << 20;

    /// <summary>
    /// κa: bytes kept per byte of the counted layer outputs during a training batch (pooling indices, gradients in
    /// flight, allocator slack). Measured: ResNet-18 at 64² and 128², batch 8 (README "Reliability").
    /// </summary>
    public const double ActivationFactor = 2.4;

    /// <summary>
    /// c1: copies of the weights in memory while the model folder and the checkpoint are written (serialised bytes, stream
    /// buffers, the compared old file, garbage not yet collected). Measured: ConvNet at 128² to 512² (README "Reliability").
    /// </summary>
    public const double SaveCopies = 10;

    /// <summary>c2: copies per optimiser slot while the checkpoint is written. Measured: Adam against SGD at 256² (README "Reliability").</summary>
    public const double SaveCopiesPerSlot = 1.5;

    /// <summary>The data the estimate is for.</summary>
    public required DataDescription Data { get; init; }

    /// <summary>Parameters of the model (0 when unknown: a custom module).</summary>
    public long Parameters { get; init; }

    /// <summary>Layer outputs per item that backward keeps (float32 values).</summary>
    public long ActivationsPerItem { get; init; }

    /// <summary>Items per training batch (P×K), or per embedding batch.</summary>
    public long BatchSize { get; init; }

    /// <summary>Bytes of the decoded data (the tensor and its standardised copy).</summary>
    public long DataBytes { get; init; }

    /// <summary>Bytes of weights, gradients, optimiser state and the best-weights copy.</summary>
    public long ModelBytes { get; init; }

    /// <summary>Bytes of the busiest moment: a training batch's activations (with the evaluation's forward pass), or a save's serialised copies, whichever is larger.</summary>
    public long ActivationBytes { get; init; }

    /// <summary>Peak resident memory: runtime, data, model and activations.</summary>
    public long MemoryBytes => RuntimeBytes + DataBytes + ModelBytes + ActivationBytes;

    /// <summary>Peak bytes on disk under the output folder (during a save, the old and the new checkpoint files).</summary>
    public long DiskBytes { get; init; }

    /// <summary>Bytes on disk once the run is done.</summary>
    public long DiskBytesAfter { get; init; }

    /// <summary>The estimate for training with <paramref name="options"/> on <paramref name="data"/>.</summary>
    /// <param name="data">The data (see <see cref="DataDescription.Describe"/>).</param>
    /// <param name="options">The trainer options (the model kind, when automatic, follows the data kind).</param>
    /// <param name="writeReport">Whether a report is written (a few MB of thumbnails and plots).</param>
    public static ResourceEstimate ForTraining(DataDescription data, TrainerOptions options, bool writeReport = true)
    {
        Guard.NotNull(data, nameof(data));
        Guard.NotNull(options, nameof(options));
        var kind = options.Model ?? (data.Kind == DataKind.Images ? ModelKind.ConvNet : ModelKind.Mlp);
        var cost = Cost(kind, data.ItemShape, options.EmbeddingDim, options.HiddenSizes, options.HeadBatchNorm);
        long w = cost.Parameters;
        int slots = options.Optimizer == OptimizerKind.Adam ? 2 : options.Momentum != 0 ? 1 : 0;
        long batch = (long)options.ClassesPerBatch * options.SamplesPerClass;
        long evalBatch = Math.Min(options.EvalBatchSize, Math.Max(data.TestItems, 0));
        long weightsFile = 4 * w;
        long checkpoint = weightsFile * (1 + slots);
        long report = writeReport ? (4L << 20) + 2048 * Math.Min(data.TestItems, 1000) : 0;
        return new ResourceEstimate
        {
            Data = data,
            Parameters = w,
            ActivationsPerItem = cost.Activations,
            BatchSize = batch,
            DataBytes = 2 * data.DecodedItems * data.ItemBytes,
            ModelBytes = 4 * w * (3 + slots),
            ActivationBytes = Math.Max(
                (long)(ActivationFactor * 4 * batch * cost.Activations) + 2 * 4 * evalBatch * cost.LargestLayer,
                (long)(4.0 * w * (SaveCopies + SaveCopiesPerSlot * slots))),
            DiskBytesAfter = weightsFile + checkpoint + report,
            DiskBytes = weightsFile + 2 * checkpoint + report,
        };
    }

    /// <summary>
    /// The estimate for embedding <paramref name="data"/> with a saved model (eval, embed, index): the decoded data, the
    /// weights, a forward pass without gradients at <paramref name="batchSize"/>, and <paramref name="diskBytes"/> written.
    /// </summary>
    public static ResourceEstimate ForEmbedding(DataDescription data, ModelArchitecture architecture, long parameters, int batchSize, long diskBytes = 0)
    {
        Guard.NotNull(data, nameof(data));
        Guard.NotNull(architecture, nameof(architecture));
        var cost = Cost(architecture.Kind, data.ItemShape, architecture.EmbeddingDim, architecture.HiddenSizes, architecture.HeadBatchNorm);
        long items = data.TrainItems + data.TestItems;
        long batch = Math.Min(batchSize, Math.Max(items, 1));
        return new ResourceEstimate
        {
            Data = data,
            Parameters = parameters,
            ActivationsPerItem = cost.Activations,
            BatchSize = batch,
            DataBytes = 2 * data.DecodedItems * data.ItemBytes + 4 * items * architecture.EmbeddingDim,
            ModelBytes = 4 * parameters,
            ActivationBytes = 2 * 4 * batch * cost.LargestLayer,
            DiskBytes = diskBytes,
            DiskBytesAfter = diskBytes,
        };
    }

    /// <summary>
    /// Parameters, layer outputs kept for backward per item, and the largest layer output per item of a built-in
    /// architecture on items of <paramref name="shape"/>: exact for the ConvNet and the MLP, from the layer shapes of
    /// the TorchVision definitions for the backbones (scaled by pixels); zeros for a custom module.
    /// </summary>
    internal static (long Parameters, long Activations, long LargestLayer) Cost(ModelKind kind, long[] shape, int embeddingDim, IReadOnlyList<int> hidden, bool headBatchNorm)
    {
        long d = embeddingDim;
        long features = shape.Aggregate(1L, (a, b) => a * b);
        switch (kind)
        {
            case ModelKind.ConvNet when shape.Length == 3:
            {
                long c = shape[0], h = shape[1], w = shape[2];
                long p = c * 32 * 9 + 32 + 32 * 64 * 9 + 64 + 64 * (h / 4) * (w / 4) * 128 + 128 + 128 * d + d;
                long conv1 = 32 * h * w, pool1 = 32 * (h / 2) * (w / 2), conv2 = 64 * (h / 2) * (w / 2), pool2 = 64 * (h / 4) * (w / 4);
                // conv1 and its ReLU, pool, conv2 and its ReLU, pool, fc1 and its ReLU, fc2, normalisation.
                long a = 2 * conv1 + pool1 + 2 * conv2 + pool2 + 2 * 128 + 2 * d;
                return (p, a, conv1);
            }
            case ModelKind.Mlp:
            {
                long p = 0, a = 0, previous = features, largest = d;
                foreach (var size in hidden)
                {
                    p += previous * size + size;
                    a += 2L * size;
                    largest = Math.Max(largest, size);
                    previous = size;
                }
                p += previous * d + d;
                return (p, a + 2 * d, largest);
            }
            case ModelKind.ResNet18 or ModelKind.ResNet34 or ModelKind.ResNet50 or ModelKind.MobileNetV2 or ModelKind.MobileNetV3Small or ModelKind.MobileNetV3Large:
            {
                var (trunk, perPixel, stem) = Backbone(kind);
                long pixels = shape.Length == 3 ? shape[1] * shape[2] : features;
                long channels = shape.Length == 3 ? shape[0] : 3;
                long featureDim = BackboneTrunk.FeatureDim(kind);
                long p = trunk + (channels - 3) * StemWeightsPerChannel(kind) + featureDim * d + d + (headBatchNorm ? 2 * d : 0);
                // Each convolution's output is kept three times (convolution, BatchNorm, activation).
                return (p, (long)(3 * perPixel * pixels), (long)(stem * pixels));
            }
            default:
                return (0, 0, 0);
        }
    }

    /// <summary>
    /// TorchVision trunk parameters (without the classifier), convolution outputs per input pixel (summed over the
    /// layers, at 224×224), and the largest one per input pixel (the stem's).
    /// </summary>
    private static (long Parameters, double ConvOutputsPerPixel, double StemPerPixel) Backbone(ModelKind kind) => kind switch
    {
        ModelKind.ResNet18 => (11_176_512, 2_483_712 / 50_176.0, 64 / 4.0),
        ModelKind.ResNet34 => (21_284_672, 3_738_112 / 50_176.0, 64 / 4.0),
        ModelKind.ResNet50 => (23_508_032, 11_113_984 / 50_176.0, 64 / 4.0),
        // MobileNetV3: taken as MobileNetV2's outputs (their early layers, which dominate, are narrower: an upper bound).
        ModelKind.MobileNetV2 or ModelKind.MobileNetV3Large or ModelKind.MobileNetV3Small => (kind switch
        {
            ModelKind.MobileNetV2 => 2_223_872,
            ModelKind.MobileNetV3Large => 2_971_952,
            _ => 927_008,
        }, 6_678_112 / 50_176.0, 96 / 4.0),
        _ => (0, 0, 0),
    };

    private static long StemWeightsPerChannel(ModelKind kind) => kind switch
    {
        ModelKind.ResNet18 or ModelKind.ResNet34 or ModelKind.ResNet50 => 64 * 7 * 7,
        ModelKind.MobileNetV2 => 32 * 3 * 3,
        _ => 16 * 3 * 3,
    };

    /// <summary>A memory estimate at or above this many bytes is worth a warning, whatever the machine has.</summary>
    public const long WarnMemoryBytes = 4L << 30;

    /// <summary>Writing this many bytes or more is worth a warning, whatever the disk has.</summary>
    public const long WarnDiskBytes = 1L << 30;

    /// <summary>A run that takes this share of the available memory or free disk space, or more, is worth a warning.</summary>
    public const double WarnFraction = 0.5;

    /// <summary>Whether the memory estimate exceeds <paramref name="availableBytes"/> (the run is refused).</summary>
    public bool ExceedsMemory(long availableBytes) => MemoryBytes > availableBytes;

    /// <summary>Whether the memory estimate deserves a warning: ≥ <see cref="WarnMemoryBytes"/> or ≥ <see cref="WarnFraction"/> of <paramref name="availableBytes"/> (null: unknown).</summary>
    public bool WarnsMemory(long? availableBytes) => MemoryBytes >= WarnMemoryBytes || (availableBytes is { } a && MemoryBytes >= WarnFraction * a);

    /// <summary>Whether writing <paramref name="neededBytes"/> deserves a warning: ≥ <see cref="WarnDiskBytes"/> or ≥ <see cref="WarnFraction"/> of <paramref name="freeBytes"/> (null: unknown).</summary>
    public static bool WarnsDisk(long neededBytes, long? freeBytes) => neededBytes >= WarnDiskBytes || (freeBytes is { } f && neededBytes >= WarnFraction * f);

    /// <summary>
    /// What fits in <paramref name="availableBytes"/> of memory when training does not: the largest square image size
    /// below the current one (for data whose size is an option, <paramref name="imageSizeIsOption"/>), and the largest
    /// batch (P, then K) below the current one; null where nothing smaller fits.
    /// </summary>
    public static (int? ImageSize, int? ClassesPerBatch, int? SamplesPerClass) WhatFits(DataDescription data, TrainerOptions options, bool writeReport, bool imageSizeIsOption, long availableBytes)
    {
        Guard.NotNull(data, nameof(data));
        Guard.NotNull(options, nameof(options));
        bool Fits(DataDescription d, TrainerOptions o) => !ForTraining(d, o, writeReport).ExceedsMemory(availableBytes);
        int? size = null;
        if (imageSizeIsOption && data.ItemShape.Length == 3)
        {
            DataDescription Sized(int s) => data with { ItemShape = [data.ItemShape[0], s, s] };
            int lo = 4, hi = (int)data.ItemShape[1] - 1;
            if (hi >= lo && Fits(Sized(lo), options))
            {
                while (lo < hi)
                {
                    int mid = lo + (hi - lo + 1) / 2;
                    if (Fits(Sized(mid), options)) lo = mid; else hi = mid - 1;
                }
                size = lo;
            }
        }
        for (int p = options.ClassesPerBatch - 1; p >= 2; p--)
            if (Fits(data, options with { ClassesPerBatch = p })) return (size, p, null);
        for (int k = options.SamplesPerClass - 1; k >= 2; k--)
            if (Fits(data, options with { ClassesPerBatch = Math.Min(2, options.ClassesPerBatch), SamplesPerClass = k })) return (size, Math.Min(2, options.ClassesPerBatch), k);
        return (size, null, null);
    }

    /// <summary>"1.2 GiB", "340 MiB": a byte count for a message.</summary>
    public static string Show(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(bytes, 0) / (double)(1L << 20):0} MiB");

    /// <summary>One line: the memory and disk estimate and what they are made of.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"about {Show(MemoryBytes)} of memory (data {Show(DataBytes)}: {Data.DecodedItems} items of {string.Join("×", Data.ItemShape)}; model {Parameters:N0} parameters with gradients and optimiser state {Show(ModelBytes)}; activations at batch {BatchSize} or save buffers {Show(ActivationBytes)}) and {Show(DiskBytes)} of disk at the peak ({Show(DiskBytesAfter)} when done)");
}
