using System.Text.Json.Serialization;

namespace TripletSharp.Data;

/// <summary>Where and how to read a dataset.</summary>
public sealed record DataOptions : IJsonOnDeserializing
{
    /// <summary>Folder or file to read; the bundled Fashion-MNIST sample (<see cref="BundledData.DefaultPath"/>) when null.</summary>
    public string? Path { get; init; }

    /// <summary>Format; detected from the path when <see cref="DataFormat.Auto"/> (see <see cref="DatasetLoader.DetectFormat"/>).</summary>
    public DataFormat Format { get; init; } = DataFormat.Auto;

    /// <summary>CSV: name of the label column (matched exactly, case-sensitive).</summary>
    public string LabelColumn { get; init; } = "label";

    /// <summary>
    /// Fraction of items held out for testing when the data has no split of its own (seeded, stratified per class).
    /// Must be in (0, 1).
    /// </summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>Seed of the split and of the slices.</summary>
    public int Seed { get; init; }

    /// <summary>Image folders: images become this size × this size, as <see cref="Resize"/> says. 1 to 1024.</summary>
    public int ImageSize { get; init; } = 28;

    /// <summary>Image folders: read as 1-channel grey (true) or 3-channel RGB colour (false).</summary>
    public bool Grayscale { get; init; } = true;

    /// <summary>
    /// Image folders: how an image that is not square becomes size × size: <see cref="ImageResize.Crop"/> (the default:
    /// the shorter side scaled to the size, then a centre crop) or <see cref="ImageResize.Stretch"/> (the aspect ratio is
    /// not kept). Recorded in <c>model.json</c> and <c>config.json</c> with the other data options, so eval, embed, index
    /// and serve prepare images the same way; a file written before this was recorded (no <c>resize</c> field) reads as
    /// <see cref="UnrecordedResize"/>, the way its model was trained.
    /// </summary>
    public ImageResize Resize { get => resize; init => resize = value; }

    private ImageResize resize = ImageResize.Crop;

    /// <summary>
    /// The resize of data options read from a file that does not record one (a <c>model.json</c>, <c>config.json</c> or
    /// ONNX metadata written before the choice existed, when every image was stretched), and of a model with no data
    /// options at all.
    /// </summary>
    public const ImageResize UnrecordedResize = ImageResize.Stretch;

    /// <summary>Before a saved file's fields are read: a missing <c>resize</c> field means <see cref="UnrecordedResize"/>, not today's default.</summary>
    void IJsonOnDeserializing.OnDeserializing() => resize = UnrecordedResize;

    /// <summary>
    /// Image folders: keep only the file list and decode images when they are used, so a folder larger than memory
    /// trains (training decodes each batch on worker threads ahead of the step; the test split is decoded once, when
    /// first evaluated). A corrupt image is then reported when it is first used, not when the folder is read.
    /// </summary>
    public bool Lazy { get; init; }

    /// <summary>
    /// Image folders: the same file (same path below its class folder, identical pixels) in several class folders is one
    /// item with several labels (<see cref="MultiLabelFolders"/>); null or false keeps every copy as its own item. Left out
    /// of saved configs when null.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? MultiLabelFolders { get; init; }

    /// <summary>Keep at most this many training items (a seeded class-balanced slice), for quick runs and tests.</summary>
    public int? MaxTrainItems { get; init; }

    /// <summary>Keep at most this many test items (a seeded class-balanced slice).</summary>
    public int? MaxTestItems { get; init; }

    /// <summary>
    /// <see cref="DatasetLoader.LoadAll"/> only: keep at most this many items (a seeded class-balanced slice).
    /// </summary>
    public int? MaxItems { get; init; }

    /// <summary>
    /// Keep only these classes, given by name (matched exactly) or by class index (a whole number that is not itself a
    /// class name); null keeps every class. Applied to every format and split after the train/test split is made, so
    /// a subset's test items are exactly the full data's test items of those classes. The kept classes are renumbered
    /// 0, 1, … in the dataset's own class order (not the order given here). Unknown classes are an error that names them.
    /// Left out of saved configs when null, so runs without a subset write the same files as before.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string[]? Classes { get; init; }

    /// <summary>
    /// Receives one line for everything the reader leaves out on purpose (a directory link not followed, a folder the
    /// tool itself wrote); null ignores them. Not saved in configs.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Action<string>? Notice { get; init; }

    /// <summary>
    /// These options with <see cref="Path"/> made usable from here: an absolute path, or a relative one that exists from
    /// the current folder, is kept; a relative one that does not (a run trained before paths were stored absolute, then
    /// opened from another folder) is tried relative to <paramref name="runFolder"/> and the two folders above it
    /// (a <c>runs/&lt;timestamp&gt;</c> run folder sits two levels below where training ran), and the first that
    /// exists is taken. Otherwise unchanged (the reader then names the path as stored).
    /// </summary>
    /// <param name="runFolder">The run folder the options were saved in; null keeps the path.</param>
    public DataOptions WithPathFound(string? runFolder)
    {
        if (Path is null || runFolder is null || System.IO.Path.IsPathRooted(Path) || System.IO.Path.Exists(Path)) return this;
        for (var dir = runFolder; dir is not null && dir.Length > 0; dir = System.IO.Path.GetDirectoryName(dir))
        {
            var candidate = System.IO.Path.Combine(dir, Path);
            if (System.IO.Path.Exists(candidate))
            {
                return this with { Path = System.IO.Path.GetFullPath(candidate) };
            }
            if (System.IO.Path.GetRelativePath(dir, runFolder).Count(c => c == System.IO.Path.DirectorySeparatorChar) >= 1) break;
        }
        return this;
    }

    /// <summary>A copy of these options.</summary>
    public DataOptions Copy() => this with { Classes = Classes?.ToArray() };

    /// <summary>Checks every option, so a caller can refuse bad values before any data is read.</summary>
    /// <exception cref="ArgumentException">An option is out of range; names it.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Format))
            throw new ArgumentOutOfRangeException(nameof(Format), Format, $"'{nameof(Format)}' is not a known data format: {Format}.");
        Guard.NotNull(LabelColumn, nameof(LabelColumn));
        if (LabelColumn.Length == 0) throw new ArgumentException($"'{nameof(LabelColumn)}' must not be empty.", nameof(LabelColumn));
        if (!(TestFraction > 0 && TestFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(TestFraction), TestFraction, $"'{nameof(TestFraction)}' must be in (0, 1), got {TestFraction}.");
        if (ImageSize < 1 || ImageSize > 1024)
            throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, $"'{nameof(ImageSize)}' must be in [1, 1024], got {ImageSize}.");
        if (!Enum.IsDefined(Resize))
            throw new ArgumentOutOfRangeException(nameof(Resize), Resize, $"'{nameof(Resize)}' is not a known resize mode: {Resize}.");
        // Finding copies compares decoded pixels, which a lazy folder never holds all at once.
        if (Lazy && MultiLabelFolders == true)
            throw new ArgumentException($"'{nameof(Lazy)}' and '{nameof(MultiLabelFolders)}' cannot be combined: finding an image's copies in other class folders compares decoded pixels; read the folder without '{nameof(Lazy)}'.", nameof(Lazy));
        if (MaxTrainItems is { } a) Guard.Positive(a, nameof(MaxTrainItems));
        if (MaxTestItems is { } b) Guard.Positive(b, nameof(MaxTestItems));
        if (MaxItems is { } c) Guard.Positive(c, nameof(MaxItems));
        if (Classes is not null)
        {
            if (Classes.Length == 0) throw new ArgumentException($"'{nameof(Classes)}' is empty; give at least one class, or null for all.", nameof(Classes));
            for (int i = 0; i < Classes.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(Classes[i])) throw new ArgumentException($"'{nameof(Classes)}'[{i}] is empty.", nameof(Classes));
            }
            var dup = Classes.GroupBy(x => x, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null) throw new ArgumentException($"'{nameof(Classes)}' names '{dup.Key}' more than once.", nameof(Classes));
        }
    }
}
