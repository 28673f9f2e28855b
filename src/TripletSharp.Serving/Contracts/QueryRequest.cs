namespace TripletSharp.Serving.Contracts;

/// <summary><c>POST /v1/search</c> and <c>/v1/match</c> as JSON: one raw item or one embedding, and (search) <c>k</c>.</summary>
internal sealed record QueryRequest(float[]? Item, float[]? Embedding, int? K);
