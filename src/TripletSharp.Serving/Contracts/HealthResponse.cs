namespace TripletSharp.Serving.Contracts;

/// <summary><c>GET /healthz</c>.</summary>
internal sealed record HealthResponse(string Status);
