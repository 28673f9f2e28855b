using TripletSharp.Data;

namespace TripletSharp.Training;

/// <summary>What a run was trained on, recorded in <c>config.json</c> and used to check that a resumed run sees the same data.</summary>
public sealed record DataSummary
{
    /// <summary>Where the data was read from.</summary>
    public string Source { get; init; } = "";

    /// <summary>The format it was read as.</summary>
    public DataFormat Format { get; init; }

    /// <summary>Images or vectors.</summary>
    public DataKind Kind { get; init; }

    /// <summary>Shape of one item.</summary>
    public long[] ItemShape { get; init; } = [];

    /// <summary>Training items.</summary>
    public int TrainCount { get; init; }

    /// <summary>Test items.</summary>
    public int TestCount { get; init; }

    /// <summary>Class names.</summary>
    public string[] ClassNames { get; init; } = [];

    /// <summary>A hash of the counts, shape, classes and every label: equal data gives an equal fingerprint.</summary>
    public string Fingerprint { get; init; } = "";

    /// <summary>Summarises <paramref name="data"/>.</summary>
    public static DataSummary Of(DatasetSplit data)
    {
        Guard.NotNull(data, nameof(data));
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        void Add(string s) => sha.AppendData(System.Text.Encoding.UTF8.GetBytes(s + "\n"));
        Add($"{data.Train.Count}/{data.Test.Count}/{string.Join("x", data.Train.ItemShape)}/{data.Train.Kind}");
        foreach (var c in data.Train.ClassNames) Add(c);
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.Train.Labels.AsSpan()));
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.Test.Labels.AsSpan()));
        return new DataSummary
        {
            Source = data.Source,
            Format = data.Format,
            Kind = data.Train.Kind,
            ItemShape = data.Train.ItemShape,
            TrainCount = data.Train.Count,
            TestCount = data.Test.Count,
            ClassNames = data.Train.ClassNames.ToArray(),
            Fingerprint = Convert.ToHexStringLower(sha.GetHashAndReset())[..32],
        };
    }
}
