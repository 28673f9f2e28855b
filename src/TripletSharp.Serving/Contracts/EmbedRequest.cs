namespace TripletSharp.Serving.Contracts;

/// <summary><c>POST /v1/embed</c> as JSON: raw items, each a row of the model's item length (images C×H×W in [0, 1], row-major).</summary>
internal sealed record EmbedRequest(float[][]? Items);
