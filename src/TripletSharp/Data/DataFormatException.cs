namespace TripletSharp.Data;

/// <summary>A data file is corrupt, truncated or inconsistent. Names the file and, where known, the line or record.</summary>
/// <remarks>
/// The message reads <c>FILE: PROBLEM</c>, or <c>FILE, line N: PROBLEM</c> (CSV) / <c>FILE, record N: PROBLEM</c>
/// (IDX item, 1-based) when the place is known.
/// </remarks>
public class DataFormatException : Exception
{
    /// <summary>Creates the exception; <paramref name="record"/> is reported as a "record".</summary>
    public DataFormatException(string filePath, string problem, long? record = null, Exception? inner = null)
        : this(filePath, problem, record, "record", inner)
    {
    }

    /// <summary>Creates the exception; <paramref name="recordKind"/> names what <paramref name="record"/> counts ("line", "record").</summary>
    public DataFormatException(string filePath, string problem, long? record, string recordKind, Exception? inner = null)
        : base(Format(filePath, problem, record, recordKind), inner)
    {
        FilePath = filePath;
        Problem = problem;
        Record = record;
        RecordKind = recordKind;
    }

    /// <summary>The file (or folder) at fault.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>1-based line (CSV) or record (IDX item) where known.</summary>
    public long? Record { get; }

    /// <summary>What <see cref="Record"/> counts: "line" for text files, "record" for IDX items.</summary>
    public string RecordKind { get; }

    private static string Format(string file, string problem, long? record, string kind) =>
        record is null ? $"{file}: {problem}" : $"{file}, {kind} {record}: {problem}";
}
