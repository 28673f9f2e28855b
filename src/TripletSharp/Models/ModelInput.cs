using TripletSharp.Data;

namespace TripletSharp.Models;

/// <summary>What a model takes as input and how raw data is prepared for it.</summary>
public sealed record ModelInput
{
    /// <summary>Images or vectors.</summary>
    public DataKind Kind { get; init; } = DataKind.Images;

    /// <summary>Shape of one raw item: [C, H, W] for images (values in [0, 1]), [F] for vectors.</summary>
    public long[] ItemShape { get; init; } = [];

    /// <summary>Standardisation applied to raw items before the network (computed on the training split); none when null.</summary>
    public InputNormalization? Normalization { get; init; }

    /// <summary>How the training data was read (format, image size, colour, label column, split); reused to read new data the same way.</summary>
    public DataOptions? Data { get; init; }

    /// <summary>The shape and kind in words, for messages (for example "grey images 1×28×28").</summary>
    public string Describe() => Describe(Kind, ItemShape);

    /// <summary>An item of <paramref name="kind"/> and <paramref name="shape"/> in words, for messages (for example "grey images 1×28×28").</summary>
    public static string Describe(DataKind kind, IReadOnlyList<long> shape) => kind switch
    {
        DataKind.Images when shape.Count == 3 => $"{(shape[0] == 1 ? "grey" : shape[0] == 3 ? "colour" : $"{shape[0]}-channel")} images {string.Join("×", shape)}",
        DataKind.Vectors when shape.Count == 1 => $"vectors of {shape[0]} features",
        _ => $"{kind.ToString().ToLowerInvariant()} of shape {string.Join("×", shape)}",
    };
}
