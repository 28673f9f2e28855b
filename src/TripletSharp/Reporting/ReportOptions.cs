namespace TripletSharp.Reporting;

/// <summary>How the HTML report samples and computes its views. The defaults suit a real run.</summary>
public sealed record ReportOptions
{
    /// <summary>Seed of the map sample and of the gallery queries.</summary>
    public int Seed { get; init; }

    /// <summary>Most test points shown on the 2-D maps (a seeded sample when there are more).</summary>
    public int MaxMapPoints { get; init; } = 2000;

    /// <summary>Compute the t-SNE map (PCA is always computed).</summary>
    public bool ComputeTsne { get; init; } = true;

    /// <summary>t-SNE settings (its seed is ignored: <see cref="Seed"/> is used).</summary>
    public TsneOptions Tsne { get; init; } = new();

    /// <summary>Queries in the retrieval gallery.</summary>
    public int GalleryQueries { get; init; } = 12;

    /// <summary>Neighbours shown per gallery query.</summary>
    public int GalleryNeighbors { get; init; } = 8;

    /// <summary>Largest side, in pixels, of an embedded thumbnail (larger images are scaled down).</summary>
    public int ThumbnailSize { get; init; } = 64;

    /// <summary>Bins of each distance histogram.</summary>
    public int HistogramBins { get; init; } = 40;

    /// <summary>Checks every option (and the t-SNE options), so a caller can refuse bad values before any work.</summary>
    /// <exception cref="ArgumentException">An option is out of range; names it.</exception>
    public void Validate()
    {
        Guard.Positive(MaxMapPoints, nameof(MaxMapPoints));
        Guard.NotNull(Tsne, nameof(Tsne));
        Guard.Positive(GalleryQueries, nameof(GalleryQueries));
        Guard.Positive(GalleryNeighbors, nameof(GalleryNeighbors));
        Guard.Positive(ThumbnailSize, nameof(ThumbnailSize));
        Guard.Positive(HistogramBins, nameof(HistogramBins));
        Tsne.Validate();
    }
}
