namespace TripletSharp.Data;

/// <summary>On-disk dataset formats.</summary>
public enum DataFormat
{
    /// <summary>Detect from the path: IDX files, a CSV file, or a folder of class sub-folders.</summary>
    Auto,

    /// <summary>IDX (MNIST / Fashion-MNIST), plain or .gz.</summary>
    Idx,

    /// <summary>One sub-folder per class of PNG/JPEG/BMP images, optional train/ and test/ sub-trees.</summary>
    Folder,

    /// <summary>CSV with a header, a label column and numeric feature columns.</summary>
    Csv,
}
