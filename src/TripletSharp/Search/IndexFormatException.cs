namespace TripletSharp.Search;

/// <summary>An index folder is missing a file, or a file in it is truncated, corrupted or inconsistent. Names the file.</summary>
public class IndexFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The file (or folder) at fault.</param>
    /// <param name="problem">What is wrong, without the location.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public IndexFormatException(string filePath, string problem, Exception? inner = null)
        : base($"{filePath}: {problem}", inner)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file or folder at fault.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }
}
