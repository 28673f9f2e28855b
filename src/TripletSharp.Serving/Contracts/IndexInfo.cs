namespace TripletSharp.Serving.Contracts;

/// <summary>The served index.</summary>
internal sealed record IndexInfo(string Path, string Kind, int Count, int Dimension, string Measure, string ModelFingerprint, int Classes);
