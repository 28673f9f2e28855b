using System.Text.Json.Nodes;

namespace TripletSharp.Export;

/// <summary>Options of <see cref="OnnxExporter"/>.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>ONNX operator set version of the default domain, from <see cref="OnnxExporter.MinOpset"/> to <see cref="OnnxExporter.MaxOpset"/>.</summary>
    public int Opset { get; init; } = OnnxExporter.DefaultOpset;

    /// <summary>
    /// Calibration to store in the model's metadata (key <see cref="OnnxMetadataKeys.Calibration"/>), as JSON; when null,
    /// a <c>calibration</c> object in the bundle's training record is used if there is one.
    /// </summary>
    public JsonNode? Calibration { get; init; }
}
