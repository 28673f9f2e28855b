using System.Buffers.Binary;

namespace TripletSharp.Data;

/// <summary>
/// What a dataset will occupy once read, known before any item is decoded: how many items, of what shape, and how many
/// of them the reader holds decoded at once. The input of a resource estimate (<c>Training.ResourceEstimate</c>), so
/// a run too large for the machine is refused before it starts.
/// </summary>
/// <remarks>
/// The eager readers decode the whole source into one float32 tensor, then split and slice it, so
/// <see cref="DecodedItems"/> is every item of the source. A lazy image folder (<see cref="DataOptions.Lazy"/>) keeps
/// only the test split decoded; its few prefetched training batches are small next to the activations and are not
/// counted.
/// </remarks>
public sealed record DataDescription
{
    /// <summary>Images or feature vectors.</summary>
    public DataKind Kind { get; init; }

    /// <summary>Shape of one item (C×H×W for images, F for vectors).</summary>
    public long[] ItemShape { get; init; } = [];

    /// <summary>Training items after <see cref="DataOptions.MaxTrainItems"/> (an estimate when the split is made by <see cref="DataOptions.TestFraction"/>).</summary>
    public long TrainItems { get; init; }

    /// <summary>Test items after <see cref="DataOptions.MaxTestItems"/>.</summary>
    public long TestItems { get; init; }

    /// <summary>Items the reader holds decoded at its peak: every item of the source for the readers that decode eagerly.</summary>
    public long DecodedItems { get; init; }

    /// <summary>Bytes of one decoded item (float32).</summary>
    public long ItemBytes => 4 * ItemShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>
    /// Describes the data <paramref name="options"/> name by looking only at file names, sizes and headers: an IDX folder's
    /// headers, an image folder's image files (counted, not decoded; size and channels from the options), a CSV file's
    /// header and line count. Null when the data cannot be described that way (missing, unreadable or odd): the reader then
    /// reports the problem when it runs.
    /// </summary>
    public static DataDescription? Describe(DataOptions options)
    {
        Guard.NotNull(options, nameof(options));
        try
        {
            var path = options.Path ?? BundledData.DefaultPath;
            var format = options.Format == DataFormat.Auto ? DatasetLoader.DetectFormat(path) : options.Format;
            var (train, test, all, shape, kind) = format switch
            {
                DataFormat.Idx => Idx(path),
                DataFormat.Folder => Folder(path, options),
                DataFormat.Csv => Csv(path, options),
                _ => default,
            };
            if (shape is null || all <= 0) return null;
            long testItems = Math.Min(test, options.MaxTestItems ?? long.MaxValue);
            return new DataDescription
            {
                Kind = kind,
                ItemShape = shape,
                TrainItems = Math.Min(train, options.MaxTrainItems ?? long.MaxValue),
                TestItems = testItems,
                DecodedItems = options.Lazy && format == DataFormat.Folder ? testItems : all,
            };
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private static (long Train, long Test, long All, long[]? Shape, DataKind Kind) Idx(string folder)
    {
        var (train, rows, cols) = IdxHeader(IdxFolder.FindFile(folder, IdxFolder.Train, "images", 3));
        var (test, _, _) = IdxHeader(IdxFolder.FindFile(folder, IdxFolder.Test, "images", 3));
        return (train, test, train + test, rows > 0 ? [1, rows, cols] : null, DataKind.Images);
    }

    private static (long Count, long Rows, long Cols) IdxHeader(string? path)
    {
        if (path is null) return (0, 0, 0);
        using var stream = IdxReader.Open(path, out _, out _);
        Span<byte> header = stackalloc byte[16];
        if (stream.ReadAtLeast(header, 16, throwOnEndOfStream: false) < 16) return (0, 0, 0);
        return (BinaryPrimitives.ReadUInt32BigEndian(header[4..]), BinaryPrimitives.ReadUInt32BigEndian(header[8..]), BinaryPrimitives.ReadUInt32BigEndian(header[12..]));
    }

    private static (long Train, long Test, long All, long[]? Shape, DataKind Kind) Folder(string root, DataOptions options)
    {
        long[] shape = [options.Grayscale ? 1 : 3, options.ImageSize, options.ImageSize];
        var trainDir = Path.Combine(root, "train");
        var testDir = Path.Combine(root, "test");
        if (Directory.Exists(trainDir) && Directory.Exists(testDir))
        {
            long train = CountImages(trainDir), test = CountImages(testDir);
            return (train, test, train + test, shape, DataKind.Images);
        }
        long all = CountImages(root);
        return (Train(all, options), all - Train(all, options), all, shape, DataKind.Images);
    }

    /// <summary>Image files under <paramref name="root"/> by name, without following links (an upper bound of what the reader keeps).</summary>
    private static long CountImages(string root) =>
        Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .LongCount(f => ImageFolderReader.Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()));

    private static (long Train, long Test, long All, long[]? Shape, DataKind Kind) Csv(string path, DataOptions options)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine();
        if (header is null) return default;
        long features = header.Split(',').Length - 1;
        long rows = 0;
        var buffer = new char[1 << 16];
        int n;
        bool lastWasNewline = true;
        while ((n = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            rows += buffer.AsSpan(0, n).Count('\n');
            lastWasNewline = buffer[n - 1] == '\n';
        }
        if (!lastWasNewline) rows++;
        return features < 1 ? default : (Train(rows, options), rows - Train(rows, options), rows, [features], DataKind.Vectors);
    }

    /// <summary>The training side of a stratified split of <paramref name="all"/> items (about; the split rounds per class).</summary>
    private static long Train(long all, DataOptions options) => all - (long)Math.Round(all * options.TestFraction);
}
