namespace TripletSharp.Tests.Data;

/// <summary>Timing checks run alone (not beside other test classes), so that they measure the reader, not the neighbours.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DataTimingCollection
{
    /// <summary>Name of the collection.</summary>
    public const string Name = "Data timing (serial)";
}
