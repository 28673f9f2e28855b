namespace TripletSharp.Serving;

/// <summary>The embedding queue is full (answered 503 with Retry-After), or the service is stopping.</summary>
internal sealed class ServiceOverloadedException(string message) : Exception(message);
