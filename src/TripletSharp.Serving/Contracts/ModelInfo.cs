namespace TripletSharp.Serving.Contracts;

/// <summary>The served model.</summary>
internal sealed record ModelInfo(string Runtime, string Source, string? Architecture, string InputKind, long[] ItemShape, int EmbeddingDim, string Measure, string? Fingerprint);
