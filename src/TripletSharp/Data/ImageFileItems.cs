namespace TripletSharp.Data;

/// <summary>
/// Image files decoded on demand, exactly as <see cref="ImageFolderReader"/> decodes them into a dataset: a training
/// set that does not fit in memory keeps only its paths (and labels) and decodes each batch's images when it needs them.
/// </summary>
internal sealed class ImageFileItems : IImageItems
{
    private readonly IReadOnlyList<string> files;
    private readonly int size;
    private readonly bool grayscale;
    private readonly ImageResize resize;

    /// <summary>Items read from <paramref name="files"/>, resized to <paramref name="size"/> × <paramref name="size"/>.</summary>
    public ImageFileItems(IReadOnlyList<string> files, int size, bool grayscale, ImageResize resize)
    {
        Guard.NotNull(files, nameof(files));
        this.files = files;
        this.size = size;
        this.grayscale = grayscale;
        this.resize = resize;
        ItemShape = [grayscale ? 1 : 3, size, size];
    }

    /// <inheritdoc />
    public int Count => files.Count;

    /// <inheritdoc />
    public long[] ItemShape { get; }

    /// <summary>The file of item <paramref name="index"/>.</summary>
    public string File(int index) => files[index];

    /// <summary>The items at <paramref name="indices"/>, in that order.</summary>
    public ImageFileItems Subset(IReadOnlyList<int> indices) => new(indices.Select(i => files[i]).ToArray(), size, grayscale, resize);

    /// <summary>The items of <paramref name="parts"/> in order (all read with the same settings).</summary>
    public static ImageFileItems Concat(IReadOnlyList<ImageFileItems> parts) =>
        new(parts.SelectMany(p => p.files).ToArray(), parts[0].size, parts[0].grayscale, parts[0].resize);

    /// <summary>Every image decoded, in parallel, into one N×C×S×S tensor (as an eager read would give).</summary>
    public TorchSharp.torch.Tensor DecodeAll() =>
        ImageFolderReader.DecodeFiles(files, size, grayscale, files.Count == 0 ? "no files" : Path.GetDirectoryName(files[0]) ?? files[0], resize);

    /// <inheritdoc />
    public void Fill(int index, Span<float> destination) => ImageFolderReader.Decode(files[index], size, grayscale, resize, destination);
}
