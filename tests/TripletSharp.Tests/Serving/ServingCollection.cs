namespace TripletSharp.Tests.Serving;

/// <summary>The service tests share one model, index and ONNX file, and run one at a time (the load test measures errors, not speed, but keeps the machine quiet for the others).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServingCollection : ICollectionFixture<ServeFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "serving";
}
