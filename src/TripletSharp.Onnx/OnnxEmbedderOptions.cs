namespace TripletSharp.Onnx;

/// <summary>How <see cref="OnnxEmbedder"/> sets up its ONNX Runtime session.</summary>
public sealed record OnnxEmbedderOptions
{
    /// <summary>Threads one inference may use (ONNX Runtime's intra-op threads); 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Whether ONNX Runtime may rewrite the graph (fuse layers, fold constants); on by default.</summary>
    public bool OptimizeGraph { get; init; } = true;
}
