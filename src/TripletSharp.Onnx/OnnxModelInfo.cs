using System.Globalization;
using System.Text.Json;

namespace TripletSharp.Onnx;

/// <summary>
/// What an embedding model exported by TripletSharp says about itself (its ONNX <c>metadata_props</c>, keys
/// <c>tripletsharp.*</c>), completed from the graph's input and output shapes for models written by other tools.
/// </summary>
public sealed class OnnxModelInfo
{
    // The keys must equal TripletSharp.Export.OnnxMetadataKeys (this project does not reference the library); the export
    // tests read an exported model back through this class.
    internal const string FormatKey = "tripletsharp.format";
    internal const string FormatName = "tripletsharp-embedding";
    internal const string VersionKey = "tripletsharp.format_version";
    internal const string ArchitectureKey = "tripletsharp.architecture";
    internal const string InputKindKey = "tripletsharp.input_kind";
    internal const string ItemShapeKey = "tripletsharp.item_shape";
    internal const string EmbeddingDimKey = "tripletsharp.embedding_dim";
    internal const string L2NormalizedKey = "tripletsharp.l2_normalized";
    internal const string MeasureKey = "tripletsharp.measure";
    internal const string ClassesKey = "tripletsharp.classes";
    internal const string DataOptionsKey = "tripletsharp.data_options";
    internal const string CalibrationKey = "tripletsharp.calibration";
    internal const string WeightsSha256Key = "tripletsharp.weights_sha256";

    internal OnnxModelInfo(string path, IReadOnlyDictionary<string, string> metadata, long[] graphItemShape, int graphEmbeddingDim)
    {
        Metadata = metadata;
        IsTripletSharpModel = metadata.TryGetValue(FormatKey, out var f) && f == FormatName;
        if (IsTripletSharpModel)
        {
            var version = Get(VersionKey);
            if (version != "1")
                throw new OnnxModelException(path, $"metadata '{VersionKey}' is '{version}'; this build reads version 1.");
        }
        Architecture = Get(ArchitectureKey);
        InputKind = Get(InputKindKey) ?? (graphItemShape.Length == 3 ? "images" : graphItemShape.Length == 1 ? "vectors" : null);
        ItemShape = graphItemShape;
        if (Get(ItemShapeKey) is { } shapeJson)
        {
            var shape = Parse<long[]>(path, ItemShapeKey, shapeJson);
            if (!shape.SequenceEqual(graphItemShape))
                throw new OnnxModelException(path, $"metadata '{ItemShapeKey}' is [{string.Join(", ", shape)}] but the graph input takes items of [{string.Join(", ", graphItemShape)}].");
        }
        EmbeddingDim = graphEmbeddingDim;
        if (Get(EmbeddingDimKey) is { } dimText && (!int.TryParse(dimText, NumberStyles.None, CultureInfo.InvariantCulture, out var dim) || dim != graphEmbeddingDim))
            throw new OnnxModelException(path, $"metadata '{EmbeddingDimKey}' is '{dimText}' but the graph output has {graphEmbeddingDim} dimensions.");
        L2Normalized = Get(L2NormalizedKey) == "true";
        Measure = Get(MeasureKey) ?? "euclidean";
        ClassNames = Get(ClassesKey) is { } classes ? Parse<string[]>(path, ClassesKey, classes) : [];
        DataOptionsJson = Get(DataOptionsKey);
        CalibrationJson = Get(CalibrationKey);
        WeightsSha256 = Get(WeightsSha256Key);

        string? Get(string key) => metadata.TryGetValue(key, out var v) ? v : null;
    }

    /// <summary>True when the model carries TripletSharp's metadata (<c>tripletsharp.format</c>).</summary>
    public bool IsTripletSharpModel { get; }

    /// <summary>The architecture (<c>ConvNet</c>, <c>Mlp</c>, <c>Custom</c>), or null when not recorded.</summary>
    public string? Architecture { get; }

    /// <summary><c>images</c> or <c>vectors</c> (guessed from the input rank when not recorded; null when unknown).</summary>
    public string? InputKind { get; }

    /// <summary>Shape of one input item: [C, H, W] for images (values in [0, 1]), [F] for vectors.</summary>
    public IReadOnlyList<long> ItemShape { get; }

    /// <summary>Output dimension.</summary>
    public int EmbeddingDim { get; }

    /// <summary>Whether the embeddings are L2-normalised by the model.</summary>
    public bool L2Normalized { get; }

    /// <summary>The distance the model was trained with (<c>euclidean</c> when not recorded).</summary>
    public string Measure { get; }

    /// <summary>Names of the training classes (empty when not recorded).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>How the training data was read (image size, colour, format), as JSON; null when not recorded.</summary>
    public string? DataOptionsJson { get; }

    /// <summary>The calibration stored with the model, as JSON; null when none.</summary>
    public string? CalibrationJson { get; }

    /// <summary>SHA-256 of the TorchSharp weights the model was exported from; null when not recorded.</summary>
    public string? WeightsSha256 { get; }

    /// <summary>Every metadata entry of the model, as stored.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private static T Parse<T>(string path, string key, string json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new OnnxModelException(path, $"metadata '{key}' is not valid ({e.Message}).", e);
        }
    }
}
