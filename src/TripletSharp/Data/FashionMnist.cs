namespace TripletSharp.Data;

/// <summary>Facts about Fashion-MNIST (Zalando Research, MIT licence).</summary>
internal static class FashionMnist
{
    /// <summary>The 10 class names, in label order 0 … 9.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = new[]
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    };

    /// <summary>
    /// Whether a folder of IDX files looks like Fashion-MNIST: its own name contains "fashion" (case-insensitive),
    /// as in <c>/usr/share/datasets/fashion-mnist</c>.
    /// </summary>
    public static bool LooksLikeFashionMnist(string folder)
    {
        Guard.NotNull(folder, nameof(folder));
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        return name.Contains("fashion", StringComparison.OrdinalIgnoreCase);
    }
}
