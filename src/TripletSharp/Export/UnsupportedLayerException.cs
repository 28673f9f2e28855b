namespace TripletSharp.Export;

/// <summary>A network holds a layer (or is a module) that the ONNX exporter cannot translate.</summary>
public sealed class UnsupportedLayerException : NotSupportedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="layerPath">Dotted path of the layer inside the network ("" for the network itself).</param>
    /// <param name="layerType">The layer's .NET type name.</param>
    /// <param name="reason">Why it cannot be exported.</param>
    public UnsupportedLayerException(string layerPath, string layerType, string reason)
        : base($"Cannot export layer '{(layerPath.Length == 0 ? "<root>" : layerPath)}' ({layerType}) to ONNX: {reason}")
    {
        LayerPath = layerPath;
        LayerType = layerType;
    }

    /// <summary>Dotted path of the layer inside the network ("" for the network itself).</summary>
    public string LayerPath { get; }

    /// <summary>The layer's .NET type name.</summary>
    public string LayerType { get; }
}
