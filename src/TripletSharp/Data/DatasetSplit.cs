namespace TripletSharp.Data;

/// <summary>A train and a test dataset, with where they came from.</summary>
/// <param name="Train">Training items.</param>
/// <param name="Test">Test items.</param>
/// <param name="Source">Path the data was read from.</param>
/// <param name="Format">Format it was read as.</param>
public sealed record DatasetSplit(Dataset Train, Dataset Test, string Source, DataFormat Format) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
