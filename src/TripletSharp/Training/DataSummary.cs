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

    /// <summary>
    /// A hash of the counts, shape, classes and every label (for multi-label data every label of every item, not only
    /// the first): equal data gives an equal fingerprint. Single-label data hashes as it always has, so runs recorded
    /// before multi-label data existed still resume.
    /// </summary>
    public string Fingerprint { get; init; } = "";

    /// <summary>Multi-label data: how the training split's labels are spread (items per label, items with several labels, mean labels per item); null for single-label data.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public LabelCounts? Labels { get; init; }

    /// <summary>
    /// A hash of every item's values (training then test) and names: two datasets with the same classes and counts
    /// but other images (class folders swapped, files replaced) differ here. Null in configs written before it existed.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? ContentFingerprint { get; init; }

    /// <summary>What differs between the data a run was trained on (<paramref name="saved"/>) and <paramref name="now"/>, in words; empty when nothing does.</summary>
    public static string Differences(DataSummary? saved, DataSummary now)
    {
        Guard.NotNull(now, nameof(now));
        if (saved is null) return "";
        var d = new List<string>();
        if (saved.TrainCount != now.TrainCount || saved.TestCount != now.TestCount)
            d.Add($"items: {saved.TrainCount} train + {saved.TestCount} test then, {now.TrainCount} + {now.TestCount} now");
        if (!saved.ClassNames.SequenceEqual(now.ClassNames))
        {
            var gone = saved.ClassNames.Except(now.ClassNames).Take(5).ToArray();
            var added = now.ClassNames.Except(saved.ClassNames).Take(5).ToArray();
            d.Add(gone.Length + added.Length == 0 ? "classes: same names in another order"
                : $"classes: {(gone.Length > 0 ? $"missing now {string.Join(", ", gone)}" : "")}{(gone.Length > 0 && added.Length > 0 ? "; " : "")}{(added.Length > 0 ? $"new {string.Join(", ", added)}" : "")}");
        }
        if (!saved.ItemShape.SequenceEqual(now.ItemShape)) d.Add($"item shape: {string.Join("×", saved.ItemShape)} then, {string.Join("×", now.ItemShape)} now");
        if (d.Count == 0 && saved.Fingerprint != now.Fingerprint)
            d.Add(saved.Labels is null && now.Labels is not null
                ? "labels: the items now carry several labels each, which the run did not record (it was trained on single-label data, or recorded before every label of multi-label items was fingerprinted)"
                : "labels: the same classes and counts, but items carry other labels");
        if (d.Count == 0 && saved.ContentFingerprint is { } c && now.ContentFingerprint is { } n && c != n)
            d.Add("content: the same classes, counts and labels, but other item values (images or rows replaced, or class folders swapped)");
        if (d.Count > 0 && saved.Source != now.Source) d.Add($"source: {(saved.Source.Length == 0 ? "the bundled sample" : saved.Source)} then, {(now.Source.Length == 0 ? "the bundled sample" : now.Source)} now");
        return string.Join("; ", d);
    }

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
        // Multi-label data: every item's whole label set too (sorted: the order after the first, sampling, label means
        // nothing). Nothing is added for single-label data, so its fingerprint stays what it always was.
        if (train.LabelSets is not null || test?.LabelSets is not null)
        {
            Add("label sets");
            foreach (var part in test is null ? new[] { train } : new[] { train, test })
            {
                for (int i = 0; i < part.Count; i++)
                {
                    long[] set = part.LabelSets is { } sets ? sets[i].Distinct().Order().ToArray() : [part.Labels[i]];
                    sha.AppendData(BitConverter.GetBytes((long)set.Length));
                    sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(set.AsSpan()));
                }
            }
        }
        return new DataSummary
        {
            Source = source,
            Format = format,
            Kind = train.Kind,
            ItemShape = train.ItemShape,
            TrainCount = train.Count,
            TestCount = testLabels.Length,
            ClassNames = train.ClassNames.ToArray(),
            Labels = LabelCounts.Of(train),
            Fingerprint = Convert.ToHexStringLower(sha.GetHashAndReset())[..32],
            ContentFingerprint = ContentHash(train, test),
        };
    }

    private static string ContentHash(Dataset train, Dataset? test)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var part in test is null ? new[] { train } : new[] { train, test })
        {
            if (part.Files is { } files)
            {
                // A lazy image folder is hashed by its files' bytes: decoding every image here would defeat reading it lazily.
                for (int i = 0; i < files.Count; i++) sha.AppendData(ImageFolderReader.ReadRegularFile(files.File(i), ImageFolderReader.MaxImageBytes, "image"));
            }
            else
            {
                using var scope = TorchSharp.torch.NewDisposeScope();
                var values = part.Features.contiguous().cpu();
                sha.AppendData(values.bytes);
            }
            foreach (var name in part.ItemNames ?? []) sha.AppendData(System.Text.Encoding.UTF8.GetBytes(name + "\n"));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..32];
    }
}
