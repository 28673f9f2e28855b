using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace TripletSharp.Onnx;

/// <summary>
/// Embeds items with an ONNX embedding model (as <c>TripletSharp.Export.OnnxExporter</c> writes them) on ONNX Runtime
/// alone, without TorchSharp. The model holds the whole embedding function, so items are given raw, exactly as
/// <c>ModelBundle.Embed</c> takes them: images as C×H×W values in [0, 1], vectors as F features.
/// </summary>
/// <remarks>
/// One <see cref="InferenceSession"/> is created when the model is opened and reused; every <c>Embed</c> method is
/// thread-safe (ONNX Runtime's <c>Run</c> is), so one instance serves concurrent callers. Items are laid out
/// row-major, one item after another (for images: channel, then row, then column), which is the memory order of an
/// N×C×H×W tensor. Decoding image files is left to the caller (the TripletSharp library reads them with its data
/// options, recorded in <see cref="OnnxModelInfo.DataOptionsJson"/>): this package stays free of image codecs.
/// </remarks>
public sealed class OnnxEmbedder : IDisposable
{
    private readonly InferenceSession session;
    private readonly string inputName;
    private readonly string outputName;
    private readonly long[] itemShape;

    /// <summary>Opens the ONNX model at <paramref name="path"/>.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="options">Session settings; defaults when null.</param>
    /// <exception cref="OnnxModelException">The file is missing, is not an ONNX model, or is not a one-input, one-output float embedding model with a fixed item shape.</exception>
    public OnnxEmbedder(string path, OnnxEmbedderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new OnnxEmbedderOptions();
        if (options.IntraOpThreads < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.IntraOpThreads, $"'{nameof(OnnxEmbedderOptions.IntraOpThreads)}' must be >= 0 (0: ONNX Runtime chooses), got {options.IntraOpThreads}.");
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new OnnxModelException(path, "is a folder; give the .onnx file.");
        if (!File.Exists(full)) throw new OnnxModelException(path, "no such ONNX model file.");
        Path = full;

        using var so = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = options.OptimizeGraph ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
        };
        try
        {
            session = new InferenceSession(full, so);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxModelException(path, $"not a valid ONNX model ({FirstLine(e.Message)}).", e);
        }

        try
        {
            if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count != 1)
                throw new OnnxModelException(path, $"an embedding model has one input and one output; this one has {session.InputMetadata.Count} and {session.OutputMetadata.Count}.");
            var (inName, inMeta) = session.InputMetadata.First();
            var (outName, outMeta) = session.OutputMetadata.First();
            if (inMeta.ElementDataType != TensorElementType.Float || outMeta.ElementDataType != TensorElementType.Float)
                throw new OnnxModelException(path, $"input '{inName}' and output '{outName}' must be float32 tensors, got {inMeta.ElementDataType} and {outMeta.ElementDataType}.");
            var inDims = inMeta.Dimensions;
            var outDims = outMeta.Dimensions;
            if (inDims.Length < 2 || inDims.Skip(1).Any(d => d <= 0))
                throw new OnnxModelException(path, $"input '{inName}' must be batch × a fixed item shape, got [{Describe(inDims)}].");
            if (outDims.Length != 2 || outDims[1] <= 0)
                throw new OnnxModelException(path, $"output '{outName}' must be batch × a fixed embedding dimension, got [{Describe(outDims)}].");
            inputName = inName;
            outputName = outName;
            itemShape = inDims.Skip(1).Select(d => (long)d).ToArray();
            ItemLength = checked((int)itemShape.Aggregate(1L, (a, b) => a * b));
            Info = new OnnxModelInfo(path, session.ModelMetadata.CustomMetadataMap, itemShape, outDims[1]);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Full path of the model file.</summary>
    public string Path { get; }

    /// <summary>The model's description (metadata).</summary>
    public OnnxModelInfo Info { get; }

    /// <summary>Output dimension.</summary>
    public int EmbeddingDim => Info.EmbeddingDim;

    /// <summary>Shape of one input item: [C, H, W] for images, [F] for vectors.</summary>
    public IReadOnlyList<long> ItemShape => itemShape;

    /// <summary>Number of floats in one item (the product of <see cref="ItemShape"/>).</summary>
    public int ItemLength { get; }

    /// <summary>Names of the training classes (empty when the model does not record them).</summary>
    public IReadOnlyList<string> ClassNames => Info.ClassNames;

    /// <summary>The distance the model was trained with ("euclidean" when unknown), as <c>ModelBundle.DistanceName</c>.</summary>
    public string DistanceName => Info.Measure;

    /// <summary>Embeds N items given as N rows of <see cref="ItemLength"/> values, in batches of <paramref name="batchSize"/>.</summary>
    /// <returns>N×<see cref="EmbeddingDim"/> embeddings.</returns>
    /// <exception cref="ArgumentException">A row does not have <see cref="ItemLength"/> values.</exception>
    public float[,] Embed(float[,] items, int batchSize = 1024)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.GetLength(1) != ItemLength && items.GetLength(0) > 0)
            throw new ArgumentException($"'{nameof(items)}' rows must have {ItemLength} values ({DescribeItem()}), got {items.GetLength(1)}.", nameof(items));
        int n = items.GetLength(0);
        var result = new float[n, EmbeddingDim];
        if (n == 0) return result;
        Run(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref items[0, 0], items.Length), n, Flat(result), batchSize);
        return result;
    }

    /// <summary>Embeds N×C×H×W images (values in [0, 1]), in batches of <paramref name="batchSize"/>.</summary>
    /// <returns>N×<see cref="EmbeddingDim"/> embeddings.</returns>
    /// <exception cref="ArgumentException">The model does not take C×H×W items of this size.</exception>
    public float[,] Embed(float[,,,] images, int batchSize = 1024)
    {
        ArgumentNullException.ThrowIfNull(images);
        long[] shape = [images.GetLength(1), images.GetLength(2), images.GetLength(3)];
        if (!shape.SequenceEqual(itemShape))
            throw new ArgumentException($"'{nameof(images)}' must be N×{string.Join("×", itemShape)} ({DescribeItem()}), got {images.GetLength(0)}×{string.Join("×", shape)}.", nameof(images));
        int n = images.GetLength(0);
        var result = new float[n, EmbeddingDim];
        if (n == 0) return result;
        Run(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref images[0, 0, 0, 0], images.Length), n, Flat(result), batchSize);
        return result;
    }

    /// <summary>Embeds items stored one after another (N × <see cref="ItemLength"/> values), in batches of <paramref name="batchSize"/>.</summary>
    /// <returns>N × <see cref="EmbeddingDim"/> values, row-major.</returns>
    /// <exception cref="ArgumentException">The length is not a multiple of <see cref="ItemLength"/>.</exception>
    public float[] Embed(ReadOnlySpan<float> items, int batchSize = 1024)
    {
        int n = CountItems(items.Length, nameof(items));
        var result = new float[(long)n * EmbeddingDim];
        Run(items, n, result, batchSize);
        return result;
    }

    /// <summary>Embeds items stored one after another into <paramref name="destination"/> (N × <see cref="EmbeddingDim"/> values, row-major).</summary>
    /// <exception cref="ArgumentException">The length of <paramref name="items"/> is not a multiple of <see cref="ItemLength"/>, or <paramref name="destination"/> has not room for N embeddings.</exception>
    public void Embed(ReadOnlySpan<float> items, Span<float> destination, int batchSize = 1024)
    {
        int n = CountItems(items.Length, nameof(items));
        if (destination.Length != (long)n * EmbeddingDim)
            throw new ArgumentException($"'{nameof(destination)}' must hold {n} × {EmbeddingDim} = {(long)n * EmbeddingDim} values, got {destination.Length}.", nameof(destination));
        Run(items, n, destination, batchSize);
    }

    /// <inheritdoc />
    public void Dispose() => session.Dispose();

    private void Run(ReadOnlySpan<float> items, int n, Span<float> destination, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var shape = new long[itemShape.Length + 1];
        itemShape.CopyTo(shape, 1);
        string[] inputNames = [inputName];
        string[] outputNames = [outputName];
        for (int start = 0; start < n; start += batchSize)
        {
            int len = Math.Min(batchSize, n - start);
            shape[0] = len;
            var buffer = items.Slice(start * ItemLength, len * ItemLength).ToArray();
            using var input = OrtValue.CreateTensorValueFromMemory(buffer, shape);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, inputNames, [input], outputNames);
            var output = outputs[0].GetTensorDataAsSpan<float>();
            if (output.Length != len * EmbeddingDim)
                throw new InvalidOperationException($"{Path}: the model returned {output.Length} values for {len} items of {EmbeddingDim} dimensions.");
            output.CopyTo(destination.Slice(start * EmbeddingDim, len * EmbeddingDim));
        }
    }

    private int CountItems(int length, string name)
    {
        if (length % ItemLength != 0)
            throw new ArgumentException($"'{name}' must hold whole items of {ItemLength} values ({DescribeItem()}), got {length} values ({length / ItemLength} items and {length % ItemLength} left over).", name);
        return length / ItemLength;
    }

    private string DescribeItem() => Info.InputKind switch
    {
        "images" when itemShape.Length == 3 => $"{(itemShape[0] == 1 ? "grey" : itemShape[0] == 3 ? "colour" : $"{itemShape[0]}-channel")} images {string.Join("×", itemShape)}",
        "vectors" when itemShape.Length == 1 => $"vectors of {itemShape[0]} features",
        _ => $"items of shape {string.Join("×", itemShape)}",
    };

    private static Span<float> Flat(float[,] array) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref array[0, 0], array.Length);

    private static string Describe(int[] dims) => string.Join(", ", dims.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static string FirstLine(string s)
    {
        int i = s.IndexOfAny(['\r', '\n']);
        return i < 0 ? s : s[..i];
    }
}
