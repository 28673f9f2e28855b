namespace TripletSharp.Serving.Contracts;

/// <summary><c>GET /v1/info</c>.</summary>
internal sealed record InfoResponse(ModelInfo Model, IndexInfo Index, double? Threshold, string? ThresholdSource, bool ReadOnly, BatchingInfo Batching);
