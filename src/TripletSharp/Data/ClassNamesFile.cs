namespace TripletSharp.Data;

/// <summary>
/// <c>classes.txt</c>: one class name per line, line i (0-based) naming label i. Trailing blank lines are ignored;
/// a blank line before the last name, or a repeated name, is an error.
/// </summary>
internal static class ClassNamesFile
{
    public const string FileName = "classes.txt";

    /// <summary>The names in <c>folder/classes.txt</c>, or null when there is no such file.</summary>
    public static string[]? TryRead(string folder)
    {
        var path = Path.Combine(folder, FileName);
        return File.Exists(path) ? Read(path) : null;
    }

    public static string[] Read(string path)
    {
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0) throw new DataFormatException(path, "no class names (one name per line expected).");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Length == 0) throw new DataFormatException(path, "empty class name.", i + 1, "line");
            if (!seen.Add(lines[i])) throw new DataFormatException(path, $"class name '{lines[i]}' appears twice.", i + 1, "line");
        }
        return lines.ToArray();
    }
}
