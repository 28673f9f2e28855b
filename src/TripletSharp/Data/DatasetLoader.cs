namespace TripletSharp.Data;

/// <summary>Reads a dataset in any supported format and splits it into train and test.</summary>
public static class DatasetLoader
{
    /// <summary>Reads and splits the dataset that <paramref name="options"/> describe.</summary>
    public static DatasetSplit Load(DataOptions options) => throw new NotImplementedException();
}
