namespace TripletSharp.Export;

/// <summary>
/// Keys of the <c>metadata_props</c> that <see cref="OnnxExporter"/> writes into an ONNX model. Every value is a string;
/// lists and objects are JSON. Readers in any language can use them to prepare input and interpret the embeddings.
/// </summary>
public static class OnnxMetadataKeys
{
    /// <summary>Always <see cref="FormatName"/>: marks a model written by TripletSharp.</summary>
    public const string Format = "tripletsharp.format";

    /// <summary>Value of <see cref="Format"/>.</summary>
    public const string FormatName = "tripletsharp-embedding";

    /// <summary>Version of this set of keys (an integer; currently <see cref="CurrentVersion"/>).</summary>
    public const string Version = "tripletsharp.format_version";

    /// <summary>The version of the keys this build writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The architecture: <c>ConvNet</c>, <c>Mlp</c> or <c>Custom</c>.</summary>
    public const string Architecture = "tripletsharp.architecture";

    /// <summary>The input kind: <c>images</c> or <c>vectors</c>.</summary>
    public const string InputKind = "tripletsharp.input_kind";

    /// <summary>Shape of one input item as a JSON array: [C, H, W] for images (raw values in [0, 1]), [F] for vectors.</summary>
    public const string ItemShape = "tripletsharp.item_shape";

    /// <summary>Image channels (images only).</summary>
    public const string Channels = "tripletsharp.channels";

    /// <summary>Image height in pixels (images only).</summary>
    public const string ImageHeight = "tripletsharp.image_height";

    /// <summary>Image width in pixels (images only).</summary>
    public const string ImageWidth = "tripletsharp.image_width";

    /// <summary>Embedding dimension.</summary>
    public const string EmbeddingDim = "tripletsharp.embedding_dim";

    /// <summary><c>true</c> when the embeddings are L2-normalised inside the graph.</summary>
    public const string L2Normalized = "tripletsharp.l2_normalized";

    /// <summary>The distance measure the model was trained with (for example <c>euclidean</c> or <c>cosine</c>).</summary>
    public const string Measure = "tripletsharp.measure";

    /// <summary>The training class names as a JSON array of strings.</summary>
    public const string Classes = "tripletsharp.classes";

    /// <summary>The input standardisation applied inside the graph, as JSON <c>{"mean":[…],"std":[…]}</c> (informative; absent when none).</summary>
    public const string InputNormalization = "tripletsharp.input_normalization";

    /// <summary>How the training data was read (image size, colour, format), as the JSON of the model's data options; absent when unknown.</summary>
    public const string DataOptions = "tripletsharp.data_options";

    /// <summary>The calibration (thresholds for open-set matching) as JSON; absent when the model has none.</summary>
    public const string Calibration = "tripletsharp.calibration";

    /// <summary>SHA-256 (lower-case hex) of the TorchSharp weights the graph was built from, as <c>model.json</c> records it.</summary>
    public const string WeightsSha256 = "tripletsharp.weights_sha256";
}
