namespace TripletSharp.Data;

/// <summary>
/// The class-balanced Fashion-MNIST sample shipped with TripletSharp (10,000 training and 2,000 test images from the
/// official splits, MIT licence, Zalando Research), used when no data path is given.
/// </summary>
public static class BundledData
{
    /// <summary>Where the sample lives, relative to the repository root and to the application folder.</summary>
    public const string RelativePath = "data/fashion-mnist-sample";

    /// <summary>
    /// Full path of the bundled sample: first <c>&lt;AppContext.BaseDirectory&gt;/data/fashion-mnist-sample</c>, then the
    /// first folder holding <c>data/fashion-mnist-sample</c> walking up from the current directory, then walking up from
    /// the application folder.
    /// </summary>
    /// <exception cref="DataFormatException">The sample was found nowhere.</exception>
    public static string DefaultPath =>
        Find() ?? throw new DataFormatException(RelativePath,
            $"the bundled Fashion-MNIST sample was not found next to the application ({AppContext.BaseDirectory}) nor above the current directory ({Environment.CurrentDirectory}); give a data path instead.");

    /// <summary>The bundled sample's full path, or null when it cannot be found (search order as <see cref="DefaultPath"/>).</summary>
    public static string? Find()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, RelativePath);
        if (IsSample(beside)) return Path.GetFullPath(beside);
        return WalkUp(Environment.CurrentDirectory) ?? WalkUp(AppContext.BaseDirectory);
    }

    private static string? WalkUp(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, RelativePath);
            if (IsSample(candidate)) return candidate;
        }
        return null;
    }

    private static bool IsSample(string folder) => File.Exists(Path.Combine(folder, "train-images-idx3-ubyte.gz"));
}
