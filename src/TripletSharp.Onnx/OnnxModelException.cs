namespace TripletSharp.Onnx;

/// <summary>An ONNX model file is missing, is not an ONNX model, or is not an embedding model this library can run.</summary>
public sealed class OnnxModelException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public OnnxModelException(string path, string reason, Exception? inner = null)
        : base($"{path}: {reason}", inner)
    {
        Path = path;
    }

    /// <summary>The model file.</summary>
    public string Path { get; }
}
