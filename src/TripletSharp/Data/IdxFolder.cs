namespace TripletSharp.Data;

/// <summary>A folder of IDX files named as MNIST names them: <c>{train|t10k}-{images-idx3|labels-idx1}-ubyte[.gz]</c>.</summary>
internal static class IdxFolder
{
    public const string Train = "train";
    public const string Test = "t10k";

    /// <summary>Whether <paramref name="folder"/> holds any of the IDX files of either part.</summary>
    public static bool Contains(string folder) =>
        new[] { Train, Test }.Any(p => FindFile(folder, p, "images", 3) is not null || FindFile(folder, p, "labels", 1) is not null);

    /// <summary>Whether <paramref name="folder"/> holds the image or label file of <paramref name="part"/>.</summary>
    public static bool HasPart(string folder, string part) =>
        FindFile(folder, part, "images", 3) is not null || FindFile(folder, part, "labels", 1) is not null;

    /// <summary>Reads the given parts (in order), with one class list for all of them.</summary>
    public static List<Dataset> Read(string folder, IReadOnlyList<string> parts)
    {
        var raw = new List<(string Part, string ImagesPath, IdxImages Images, string LabelsPath, byte[] Labels)>();
        foreach (var part in parts)
        {
            var images = FindFile(folder, part, "images", 3) ?? throw Missing(folder, part, "images", 3);
            var labels = FindFile(folder, part, "labels", 1) ?? throw Missing(folder, part, "labels", 1);
            var l = IdxReader.ReadLabels(labels);
            var im = IdxReader.ReadImages(images);
            raw.Add((part, images, im, labels, l));
        }
        int maxLabel = raw.Max(r => (int)r.Labels.Max());
        IReadOnlyList<string> names = ClassNamesFile.TryRead(folder)
            ?? (FashionMnist.LooksLikeFashionMnist(folder) && maxLabel < FashionMnist.ClassNames.Count
                ? FashionMnist.ClassNames
                : IdxReader.DigitNames(maxLabel + 1));
        var result = new List<Dataset>();
        try
        {
            foreach (var r in raw)
                result.Add(IdxReader.ToDataset(r.Images, r.ImagesPath, r.Labels, r.LabelsPath, names, r.Part));
        }
        catch
        {
            foreach (var d in result) d.Dispose();
            throw;
        }
        return result;
    }

    internal static string? FindFile(string folder, string part, string kind, int dims)
    {
        foreach (var stem in new[] { $"{part}-{kind}-idx{dims}-ubyte", $"{part}-{kind}.idx{dims}-ubyte" })
        foreach (var name in new[] { stem, stem + ".gz" })
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    private static DataFormatException Missing(string folder, string part, string kind, int dims) =>
        new(folder, $"missing IDX file {part}-{kind}-idx{dims}-ubyte (or .gz); an IDX folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or .gz.");
}
