namespace TripletSharp.Models;

/// <summary>A model or checkpoint folder is missing a file, or a file in it is corrupt or inconsistent. Names the file.</summary>
public class ModelFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The file (or folder) at fault.</param>
    /// <param name="problem">What is wrong, without the location.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public ModelFormatException(string filePath, string problem, Exception? inner = null)
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
