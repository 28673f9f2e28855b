namespace TripletSharp.Serving.Contracts;

/// <summary>The embeddings of the request's items, in order.</summary>
internal sealed record EmbedResponse(int Count, int Dimension, float[][] Embeddings);
