namespace TripletSharp.Data;

/// <summary>Where and how to read a dataset.</summary>
public sealed class DataOptions
{
    /// <summary>Folder or file to read; the bundled Fashion-MNIST sample when null.</summary>
    public string? Path { get; set; }

    /// <summary>Format; detected from the path when <see cref="DataFormat.Auto"/>.</summary>
    public DataFormat Format { get; set; } = DataFormat.Auto;

    /// <summary>CSV: name of the label column.</summary>
    public string LabelColumn { get; set; } = "label";

    /// <summary>Fraction of items held out for testing when the data has no split of its own (seeded, stratified).</summary>
    public double TestFraction { get; set; } = 0.2;

    /// <summary>Seed of the split.</summary>
    public int Seed { get; set; }

    /// <summary>Image folders: images are resized to this size × this size.</summary>
    public int ImageSize { get; set; } = 28;

    /// <summary>Image folders: read as 1-channel grey (true) or 3-channel colour (false).</summary>
    public bool Grayscale { get; set; } = true;

    /// <summary>Keep at most this many training items (a seeded class-balanced slice), for quick runs and tests.</summary>
    public int? MaxTrainItems { get; set; }

    /// <summary>Keep at most this many test items (a seeded class-balanced slice).</summary>
    public int? MaxTestItems { get; set; }
}
