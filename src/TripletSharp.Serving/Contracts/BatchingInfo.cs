namespace TripletSharp.Serving.Contracts;

/// <summary>Dynamic batching settings and counters.</summary>
internal sealed record BatchingInfo(int MaxBatch, double MaxWaitMs, int MaxQueue, int MaxItemsPerRequest, long Batches, long Items, int Queued);
