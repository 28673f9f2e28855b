namespace TripletSharp.Serving;

/// <summary>
/// The embedding function behind the service: TorchSharp (<see cref="TorchEmbedder"/>) or ONNX Runtime
/// (<see cref="OnnxModelEmbedder"/>). Items are raw values, one item after another (images C×H×W in [0, 1], row-major;
/// vectors of F features), exactly as <c>ModelBundle.Embed</c> takes them.
/// </summary>
public interface IEmbedder : IDisposable
{
    /// <summary><c>torchsharp</c> or <c>onnx</c>.</summary>
    string Runtime { get; }

    /// <summary>Where the model was loaded from (folder or file).</summary>
    string Source { get; }

    /// <summary>Architecture name (<c>ConvNet</c>, <c>Mlp</c>, …), or null when unknown.</summary>
    string? Architecture { get; }

    /// <summary><c>images</c> or <c>vectors</c>.</summary>
    string InputKind { get; }

    /// <summary>Shape of one item: [C, H, W] for images, [F] for vectors.</summary>
    IReadOnlyList<long> ItemShape { get; }

    /// <summary>Values per item (the product of <see cref="ItemShape"/>).</summary>
    int ItemLength { get; }

    /// <summary>Output dimension.</summary>
    int EmbeddingDim { get; }

    /// <summary>How uploaded images of another size become the model's item: the model's recorded resize (stretch when it has none).</summary>
    TripletSharp.Data.ImageResize ImageResize => TripletSharp.Data.ImageResize.Stretch;

    /// <summary>The distance the model was trained with.</summary>
    string MeasureName { get; }

    /// <summary>The model's fingerprint (see <c>TripletSharp.Models.ModelFingerprint</c>), or null when it is not known (an ONNX file that does not record it).</summary>
    string? Fingerprint { get; }

    /// <summary>Embeds <paramref name="count"/> items held in <paramref name="items"/> into <paramref name="destination"/> (count × <see cref="EmbeddingDim"/>). Safe to call from several threads.</summary>
    void Embed(ReadOnlySpan<float> items, int count, Span<float> destination);
}
