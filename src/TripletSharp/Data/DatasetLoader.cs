using TripletSharp.Engine;

namespace TripletSharp.Data;

/// <summary>Reads a dataset in any supported format, split into train and test (<see cref="Load"/>), as its test part only (<see cref="LoadTest"/>), or whole (<see cref="LoadAll"/>).</summary>
/// <remarks>
/// <para>Path: <see cref="DataOptions.Path"/>, or the bundled Fashion-MNIST sample (<see cref="BundledData.DefaultPath"/>)
/// when it is null. A path that does not exist, or whose kind does not fit the format, raises a
/// <see cref="DataFormatException"/> (one exception type for every data problem, so a caller can report it in one line).</para>
/// <para>Splits: an IDX folder's own train/t10k split; an image folder's own train/ and test/ sub-trees (a root that
/// holds a sub-folder named exactly "train" or "test" is read that way); otherwise a seeded stratified split
/// (<see cref="DataOptions.TestFraction"/>, <see cref="DatasetSplitter.Stratified"/>). Train and test share one class
/// list (an image class present in only one sub-tree keeps its index).</para>
/// <para>Classes of IDX folders: <c>classes.txt</c> beside the files (one name per line) if present; else the
/// Fashion-MNIST names when the folder's name contains "fashion" and the labels fit; else "0" … "max label".</para>
/// <para><see cref="Load"/> requires at least 2 classes in the training split (triplets need a negative); the whole-data
/// readers accept a single class.</para>
/// </remarks>
public static class DatasetLoader
{
    /// <summary>
    /// The format of <paramref name="path"/>: a file is CSV; a folder holding any <c>train-</c>/<c>t10k-</c> IDX file
    /// is IDX; any other folder is an image folder.
    /// </summary>
    /// <exception cref="DataFormatException">The path does not exist, or is a single IDX file instead of its folder.</exception>
    public static DataFormat DetectFormat(string path)
    {
        Guard.NotNull(path, nameof(path));
        if (Directory.Exists(path)) return IdxFolder.Contains(path) ? DataFormat.Idx : DataFormat.Folder;
        if (File.Exists(path))
        {
            var name = Path.GetFileName(path);
            if (name.Contains("idx1-ubyte", StringComparison.OrdinalIgnoreCase) || name.Contains("idx3-ubyte", StringComparison.OrdinalIgnoreCase))
                throw new DataFormatException(path, "is a single IDX file; give the folder that holds the train- and t10k- IDX files.");
            if (ImageKind(path) is { } kind)
                throw new DataFormatException(path, $"is a single {kind} image, not a dataset: give a folder with one sub-folder of images per class (or a CSV file or an IDX folder).");
            return DataFormat.Csv;
        }
        throw new DataFormatException(path, "no such file or folder.");
    }

    /// <summary>"PNG", "JPEG", "BMP" or "GIF" when the file starts like one (read by content, not by name); null otherwise, or when it has no bytes to look at.</summary>
    internal static string? ImageKind(string path)
    {
        try
        {
            var info = new FileInfo(path);
            var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
            if (!target.Exists || target.Length < 4) return null; // a FIFO has no length and is never opened here
            Span<byte> head = stackalloc byte[8];
            using var f = File.OpenRead(path);
            int n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            head = head[..n];
            if (head.StartsWith(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' })) return "PNG";
            if (head.StartsWith(new byte[] { 0xFF, 0xD8, 0xFF })) return "JPEG";
            if (head.StartsWith("GIF8"u8)) return "GIF";
            if (head.StartsWith("BM"u8) && n >= 6 && path.EndsWith(".bmp", StringComparison.OrdinalIgnoreCase)) return "BMP";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads and splits the dataset that <paramref name="options"/> describe, then applies the train/test slices.</summary>
    /// <exception cref="DataFormatException">A file is bad, or the training split has fewer than 2 classes.</exception>
    public static DatasetSplit Load(DataOptions options)
    {
        NativeLibraries.EnsureLoaded();
        var (path, format) = Resolve(options);
        Dataset? train = null, test = null;
        try
        {
            switch (format)
            {
                case DataFormat.Idx:
                {
                    var parts = IdxFolder.Read(path, new[] { IdxFolder.Train, IdxFolder.Test });
                    (train, test) = (parts[0], parts[1]);
                    break;
                }
                case DataFormat.Folder when HasSplitLayout(path):
                {
                    var trainDir = Path.Combine(path, "train");
                    var testDir = Path.Combine(path, "test");
                    CheckSplitLayout(path, needBoth: true);
                    var names = SplitClassNames(path);
                    var trainNames = ImageFolderReader.ListClassNames(trainDir);
                    if (trainNames.Length == 1) throw OneClass(trainDir, trainNames[0]);
                    train = ImageFolderReader.ReadTree(trainDir, names, options.ImageSize, options.Grayscale, path, options.Notice, options.Resize, options.Lazy);
                    test = ImageFolderReader.ReadTree(testDir, names, options.ImageSize, options.Grayscale, path, options.Notice, options.Resize, options.Lazy);
                    if (options.MultiLabelFolders == true) (train, test) = (MergeCopies(train), MergeCopies(test));
                    break;
                }
                case DataFormat.Folder:
                {
                    var names = ImageFolderReader.ListClassNames(path, options.Notice);
                    if (names.Length == 1) throw OneClass(path, names[0]);
                    using var all = options.MultiLabelFolders == true
                        ? MergeCopies(ImageFolderReader.ReadTree(path, names, options.ImageSize, options.Grayscale, path, options.Notice, options.Resize, options.Lazy))
                        : ImageFolderReader.ReadTree(path, names, options.ImageSize, options.Grayscale, path, options.Notice, options.Resize, options.Lazy);
                    (train, test) = Stratify(all, options);
                    break;
                }
                default:
                {
                    using var all = CsvDatasetReader.Read(path, options.LabelColumn);
                    (train, test) = Stratify(all, options);
                    break;
                }
            }
            if (options.Classes is not null)
            {
                var keep = ResolveClasses(train.ClassNames, options.Classes, path);
                train = SelectClasses(train, keep);
                test = SelectClasses(test, keep);
                if (train.Count == 0) throw new DataFormatException(path, $"the training split has no items of the selected classes ({string.Join(", ", options.Classes)}).");
            }
            var trainClasses = train.Labels.Distinct().ToArray();
            if (trainClasses.Length < 2) throw OneClass(path, train.ClassNames[(int)trainClasses[0]]);
            train = Slice(train, options.MaxTrainItems, options.Seed);
            test = Slice(test, options.MaxTestItems, unchecked(options.Seed * 31 + 7));
            return new DatasetSplit(train, test, path, format);
        }
        catch
        {
            train?.Dispose();
            test?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads only the test part, as <see cref="Load"/> would split it (same class indices): an IDX folder's t10k files,
    /// an image folder's test/ sub-tree, else the stratified test side. <see cref="DataOptions.MaxTestItems"/> applies.
    /// </summary>
    public static Dataset LoadTest(DataOptions options)
    {
        NativeLibraries.EnsureLoaded();
        var (path, format) = Resolve(options);
        Dataset test;
        switch (format)
        {
            case DataFormat.Idx:
                test = IdxFolder.Read(path, new[] { IdxFolder.Test })[0];
                break;
            case DataFormat.Folder when HasSplitLayout(path):
                var testDir = Path.Combine(path, "test");
                CheckSplitLayout(path, needBoth: true);
                test = ImageFolderReader.ReadTree(testDir, SplitClassNames(path), options.ImageSize, options.Grayscale, path, options.Notice, options.Resize, options.Lazy);
                break;
            default:
                var noTrainSlice = options with { MaxTrainItems = null };
                DatasetSplit split;
                try
                {
                    split = Load(noTrainSlice);
                }
                catch (DataFormatException e) when (e.Problem.StartsWith("only one class", StringComparison.Ordinal))
                {
                    throw new DataFormatException(e.FilePath, $"{e.Problem.Split(';')[0]}; the test part is the one that training would hold out, and training needs at least 2 classes, so a one-class dataset has no test part: read every item instead (SplitSelection.All, --split all).", null, e);
                }
                split.Train.Dispose();
                return split.Test;
        }
        if (options.Classes is not null) test = SelectClasses(test, ResolveClasses(test.ClassNames, options.Classes, path));
        return Slice(test, options.MaxTestItems, unchecked(options.Seed * 31 + 7));
    }

    /// <summary>
    /// The items of a run trained from explicit tuples (<c>--tuples</c>). Data with a split of its own (IDX, an image
    /// folder with train/ and test/) is split as <see cref="Load"/> does: tuples name training items, and the test part
    /// is evaluated with its class labels. Data without one (a CSV file, a flat image folder) is not split by class:
    /// every item can be named, the test part is empty, and held-out tuples are the only evaluation.
    /// </summary>
    /// <exception cref="DataFormatException">A file is bad.</exception>
    public static DatasetSplit LoadForTuples(DataOptions options)
    {
        Guard.NotNull(options, nameof(options));
        if (options.Path is not { } path) return Load(options);
        var format = options.Format == DataFormat.Auto ? DetectFormat(path) : options.Format;
        if (format == DataFormat.Idx || (format == DataFormat.Folder && HasSplitLayout(path))) return Load(options);
        var all = LoadAll(options);
        return new DatasetSplit(all, all.Subset([]), path, format);
    }

    /// <summary>
    /// Reads the whole dataset without splitting, for embedding, search and evaluation of arbitrary data: an IDX
    /// folder's train then t10k items (whichever are present; item names <c>train/i</c>, <c>t10k/i</c>), an image
    /// folder's train/ then test/ trees (or its class folders), or every CSV row. One class is enough.
    /// <see cref="DataOptions.MaxItems"/> applies.
    /// </summary>
    public static Dataset LoadAll(DataOptions options)
    {
        NativeLibraries.EnsureLoaded();
        var (path, format) = Resolve(options);
        Dataset all;
        switch (format)
        {
            case DataFormat.Idx:
            {
                var parts = new[] { IdxFolder.Train, IdxFolder.Test }.Where(p => IdxFolder.HasPart(path, p)).ToArray();
                all = ConcatAndDispose(IdxFolder.Read(path, parts));
                break;
            }
            case DataFormat.Folder when HasSplitLayout(path):
            {
                CheckSplitLayout(path, needBoth: false);
                var names = SplitClassNames(path);
                var trees = new List<Dataset>();
                try
                {
                    foreach (var sub in new[] { "train", "test" }.Select(s => Path.Combine(path, s)).Where(Directory.Exists))
                        trees.Add(ImageFolderReader.ReadTree(sub, names, options.ImageSize, options.Grayscale, path, options.Notice, options.Resize, options.Lazy));
                }
                catch
                {
                    foreach (var t in trees) t.Dispose();
                    throw;
                }
                all = ConcatAndDispose(trees);
                break;
            }
            case DataFormat.Folder:
                all = ImageFolderReader.ReadTree(path, ImageFolderReader.ListClassNames(path, options.Notice), options.ImageSize, options.Grayscale, path, options.Notice, options.Resize, options.Lazy);
                break;
            default:
                all = CsvDatasetReader.Read(path, options.LabelColumn);
                break;
        }
        if (options.Classes is not null) all = SelectClasses(all, ResolveClasses(all.ClassNames, options.Classes, path));
        return Slice(all, options.MaxItems, options.Seed);
    }

    /// <summary>
    /// The class indices that <paramref name="selection"/> names (by name first, else by index), ascending.
    /// </summary>
    /// <exception cref="DataFormatException">Some entries are neither a class name nor a class index; names them and lists the classes.</exception>
    private static int[] ResolveClasses(IReadOnlyList<string> classNames, IReadOnlyList<string> selection, string path)
    {
        var keep = new SortedSet<int>();
        var unknown = new List<string>();
        foreach (var raw in selection)
        {
            int byName = -1;
            for (int i = 0; i < classNames.Count; i++)
            {
                if (string.Equals(classNames[i], raw, StringComparison.Ordinal)) { byName = i; break; }
            }
            if (byName >= 0) keep.Add(byName);
            else if (int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id) && id < classNames.Count) keep.Add(id);
            else unknown.Add(raw);
        }
        if (unknown.Count > 0)
        {
            var listed = string.Join(", ", classNames.Select((n, i) => $"{i} '{n}'"));
            throw new DataFormatException(path, $"no class {string.Join(", ", unknown.Select(u => $"'{u}'"))} (Classes takes class names or indices; the classes are {listed}).");
        }
        return keep.ToArray();
    }

    /// <summary>The items of the <paramref name="keep"/> classes, renumbered 0, 1, … in class order; disposes <paramref name="data"/> when it makes a new set.</summary>
    private static Dataset SelectClasses(Dataset data, int[] keep)
    {
        if (keep.Length == data.ClassNames.Count) return data;
        var map = new int[data.ClassNames.Count];
        Array.Fill(map, -1);
        for (int i = 0; i < keep.Length; i++) map[keep[i]] = i;
        var rows = Enumerable.Range(0, data.Count).Where(i => map[data.Labels[i]] >= 0).ToArray();
        using (data)
        {
            if (data.Files is not null)
                return new Dataset(data.Files.Subset(rows), rows.Select(i => (long)map[data.Labels[i]]).ToArray(), keep.Select(k => data.ClassNames[k]).ToArray(),
                    data.ItemNames is null ? null : rows.Select(i => data.ItemNames[i]).ToArray());
            using var scope = TorchSharp.torch.NewDisposeScope();
            var idx = TorchSharp.torch.tensor(rows.Select(i => (long)i).ToArray(), TorchSharp.torch.ScalarType.Int64, device: data.Features.device);
            var features = data.Features.index_select(0, idx).MoveToOuterDisposeScope();
            return new Dataset(features, rows.Select(i => (long)map[data.Labels[i]]).ToArray(), keep.Select(k => data.ClassNames[k]).ToArray(), data.Kind,
                data.ItemNames is null ? null : rows.Select(i => data.ItemNames[i]).ToArray(),
                // Multi-label: an item is kept by its first label; its other labels are kept when their class is.
                data.LabelSets is null ? null : rows.Select(i => data.LabelSets[i].Where(l => map[l] >= 0).Select(l => (long)map[l]).ToArray()).ToArray());
        }
    }

    private static (string Path, DataFormat Format) Resolve(DataOptions options)
    {
        Guard.NotNull(options, nameof(options));
        options.Validate();
        var path = options.Path ?? BundledData.DefaultPath;
        var format = options.Format == DataFormat.Auto ? DetectFormat(path) : options.Format;
        switch (format)
        {
            case DataFormat.Idx or DataFormat.Folder when !Directory.Exists(path):
                throw new DataFormatException(path, File.Exists(path) ? $"is a file, but the {format} format needs a folder." : "no such folder.");
            case DataFormat.Idx when !IdxFolder.Contains(path):
                throw new DataFormatException(path, "no IDX files here: expected train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or .gz.");
            case DataFormat.Csv when !File.Exists(path):
                throw new DataFormatException(path, Directory.Exists(path) ? "is a folder, but the CSV format needs a file." : "no such file.");
        }
        return (path, format);
    }

    /// <summary>
    /// A train/ + test/ layout must hold nothing else: a class folder beside train/ or test/ would be ignored, and a
    /// lone class named "test" (or "train") would be taken for the layout. Both are refused with what to change.
    /// </summary>
    private static void CheckSplitLayout(string root, bool needBoth)
    {
        bool hasTrain = Directory.Exists(Path.Combine(root, "train")), hasTest = Directory.Exists(Path.Combine(root, "test"));
        var others = ImageFolderReader.ListClassNames(root).Where(n => n is not "train" and not "test").ToArray();
        var present = hasTrain && hasTest ? "train/ and test/" : hasTrain ? "train/" : "test/";
        if (others.Length > 0)
            throw new DataFormatException(root, $"ambiguous layout: it holds {present} (read as the train/test split) and also the folders {string.Join(", ", others.Select(o => $"'{o}'"))}, which that layout would ignore; either move every class folder under train/ and test/, or rename the class folder{(hasTrain && hasTest ? "s 'train' and 'test'" : hasTrain ? " 'train'" : " 'test'")} so that all classes sit side by side.");
        if (needBoth && !(hasTrain && hasTest))
            throw new DataFormatException(root, $"has a {(hasTrain ? "train" : "test")}/ sub-folder but no {(hasTrain ? "test" : "train")}/ sub-folder (a folder named train or test is read as the train/test layout: one sub-folder per class under each).");
    }

    /// <summary>
    /// Retrieval metrics need a query with a same-class neighbour: a test split in which no class has 2 items is refused
    /// before any training, saying how many classes have enough and what to change.
    /// </summary>
    /// <param name="test">The test split.</param>
    /// <param name="path">Named in the error.</param>
    /// <param name="options">How the data was read (for the fix: MaxTestItems or TestFraction); null when unknown.</param>
    internal static void CheckTestHasPairs(Dataset test, string path, DataOptions? options)
    {
        if (test.Count == 0) return;
        var perClass = test.Labels.GroupBy(l => l).Select(g => g.Count()).ToArray();
        if (perClass.Any(n => n >= 2)) return;
        var fix = options?.MaxTestItems is { } m
            ? $"raise MaxTestItems (now {m}) to at least {2 * perClass.Length}, or give more items per class."
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"raise TestFraction{(options is null ? "" : $" (now {options.TestFraction})")} or give more items per class.");
        throw new DataFormatException(path,
            $"the test split has {test.Count} items in {perClass.Length} classes and no class has 2 or more of them, so no test query has a same-class neighbour and retrieval metrics cannot be computed; {fix}");
    }

    /// <summary>Whether the image folder <paramref name="root"/> has a split of its own (a train/ or test/ sub-folder).</summary>
    private static bool HasSplitLayout(string root) =>
        Directory.Exists(Path.Combine(root, "train")) || Directory.Exists(Path.Combine(root, "test"));

    /// <summary>The class list of a train/ + test/ layout: the union of both trees' class folders, sorted ordinally.</summary>
    private static string[] SplitClassNames(string root) =>
        new[] { "train", "test" }
            .Select(s => Path.Combine(root, s))
            .Where(Directory.Exists)
            .SelectMany(d => ImageFolderReader.ListClassNames(d))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();

    private static (Dataset Train, Dataset Test) Stratify(Dataset all, DataOptions options)
    {
        var (trainIdx, testIdx) = DatasetSplitter.Stratified(all.Labels, options.TestFraction, options.Seed);
        if (testIdx.Length == 0)
        {
            var perClass = all.Labels.GroupBy(l => l).Select(g => g.Count()).ToArray();
            int needed = (int)Math.Ceiling(0.5 / options.TestFraction);
            throw new DataFormatException(options.Path ?? BundledData.RelativePath, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"no test split can be held out: the split is made per class, and each of the {perClass.Length} classes has {(perClass.Min() == perClass.Max() ? $"{perClass.Min()}" : $"{perClass.Min()}–{perClass.Max()}")} items ({all.Count} in all), too few for test fraction {options.TestFraction} (a class needs at least {Math.Max(2, needed)} items to give one to the test side); raise TestFraction or give more items per class."));
        }
        var train = all.Subset(trainIdx);
        try
        {
            return (train, all.Subset(testIdx));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <summary>Multi-label image folders: <see cref="MultiLabelFolders.Merge"/>, disposing <paramref name="data"/> when it makes a new set.</summary>
    private static Dataset MergeCopies(Dataset data)
    {
        var merged = MultiLabelFolders.Merge(data);
        if (!ReferenceEquals(merged, data)) data.Dispose();
        return merged;
    }

    private static Dataset Slice(Dataset data, int? max, int seed)
    {
        if (max is not { } m || m >= data.Count) return data;
        using (data)
            return data.Subset(DatasetSplitter.BalancedSlice(data.Labels, m, seed));
    }

    private static Dataset ConcatAndDispose(List<Dataset> parts)
    {
        try
        {
            return parts.Count == 1 ? parts[0] : Dataset.Concat(parts);
        }
        finally
        {
            if (parts.Count > 1) foreach (var p in parts) p.Dispose();
        }
    }

    private static DataFormatException OneClass(string path, string className) =>
        new(path, $"only one class ('{className}') was found; triplet training needs at least 2 classes.");
}
