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
        return Of(data.Train, data.Test, data.Source, data.Format);
    }

    /// <summary>Summarises a training split and an optional test split (none counts as empty).</summary>
    internal static DataSummary Of(Dataset train, Dataset? test, string source, DataFormat format)
    {
        Guard.NotNull(train, nameof(train));
        long[] testLabels = test?.Labels ?? [];
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        void Add(string s) => sha.AppendData(System.Text.Encoding.UTF8.GetBytes(s + "\n"));
        Add($"{train.Count}/{testLabels.Length}/{string.Join("x", train.ItemShape)}/{train.Kind}");
        foreach (var c in train.ClassNames) Add(c);
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(train.Labels.AsSpan()));
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(testLabels.AsSpan()));
        return new DataSummary
        {
            Source = source,
            Format = format,
            Kind = train.Kind,
            ItemShape = train.ItemShape,
            TrainCount = train.Count,
            TestCount = testLabels.Length,
            ClassNames = train.ClassNames.ToArray(),
            Fingerprint = Convert.ToHexStringLower(sha.GetHashAndReset())[..32],
        };
    }
}
