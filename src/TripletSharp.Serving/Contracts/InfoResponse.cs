namespace TripletSharp.Serving.Contracts;

/// <summary><c>GET /v1/info</c>; <c>RequestsInFlight</c> counts the requests begun and not yet answered, this one included.</summary>
internal sealed record InfoResponse(ModelInfo Model, IndexInfo Index, double? Threshold, string? ThresholdSource, bool ReadOnly, BatchingInfo Batching, int RequestsInFlight);
