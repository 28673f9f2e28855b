namespace TripletSharp.Tests.Cli;

/// <summary>
/// Tests that train or build reports in this process change libtorch's process-wide thread settings
/// (torch.set_num_threads in the trainer, one intra-op thread for t-SNE); run them apart from every other test so
/// that no other test's parallel region sees the change mid-flight.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class InProcessTrainingCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "in-process training";
}
