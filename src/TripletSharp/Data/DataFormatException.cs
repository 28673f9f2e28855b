namespace TripletSharp.Data;

/// <summary>A data file is corrupt, truncated or inconsistent. Names the file and, where known, the line or record.</summary>
public class DataFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataFormatException(string filePath, string problem, long? record = null, Exception? inner = null)
        : base(Format(filePath, problem, record), inner)
    {
        FilePath = filePath;
        Problem = problem;
        Record = record;
    }

    /// <summary>The file at fault.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>1-based line (CSV) or record (IDX item) where known.</summary>
    public long? Record { get; }

    private static string Format(string file, string problem, long? record) =>
        record is null ? $"{file}: {problem}" : $"{file}, record {record}: {problem}";
}
