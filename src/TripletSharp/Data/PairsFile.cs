using System.Text;

namespace TripletSharp.Data;

/// <summary>Reads verification pairs files: one <c>path1,path2,same</c> line per pair.</summary>
/// <remarks>
/// <c>same</c> is <c>1</c>/<c>0</c>, <c>true</c>/<c>false</c> or <c>yes</c>/<c>no</c> (any case). Blank lines and lines
/// starting with <c>#</c> are skipped; a first line whose third field is not such a value (e.g.
/// <c>path1,path2,same</c>) is taken as a header. Fields are trimmed and may be double-quoted (<c>""</c> escapes a
/// quote) to hold commas. Paths are returned as written; resolving relative ones is the caller's business.
/// </remarks>
public static class PairsFile
{
    /// <summary>The pairs in file order.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A line is malformed (the message names the file and line), or there are no pairs.</exception>
    public static IReadOnlyList<(string First, string Second, bool Same)> Read(string path) =>
        ReadNumbered(path).Select(p => (p.First, p.Second, p.Same)).ToArray();

    /// <summary>The pairs in file order with the 1-based line each came from (for messages that name the line).</summary>
    /// <inheritdoc cref="Read(string)"/>
    public static IReadOnlyList<(string First, string Second, bool Same, long Line)> ReadNumbered(string path)
    {
        Guard.NotNull(path, nameof(path));
        if (!File.Exists(path)) throw new FileNotFoundException($"Pairs file not found: {path}", path);
        var pairs = new List<(string, string, bool, long)>();
        long lineNo = 0;
        bool first = true;
        (long Line, string Same)? header = null;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var fields = Split(line, path, lineNo);
            if (fields.Count != 3)
                throw new DataFormatException(path, $"expected 3 comma-separated fields (path1,path2,same), got {fields.Count}", lineNo);
            bool? same = ParseSame(fields[2]);
            if (same is null)
            {
                if (first && fields[2].Length > 0 && fields[2].All(char.IsLetter))
                {
                    first = false;
                    header = (lineNo, fields[2]);
                    continue; // header
                }
                throw new DataFormatException(path, $"'same' must be 1/0, true/false or yes/no, got '{fields[2]}'", lineNo);
            }
            first = false;
            if (fields[0].Length == 0 || fields[1].Length == 0)
                throw new DataFormatException(path, $"empty path in field {(fields[0].Length == 0 ? 1 : 2)}", lineNo);
            pairs.Add((fields[0], fields[1], same.Value, lineNo));
        }
        if (pairs.Count == 0 && header is { } h)
            throw new DataFormatException(path, $"the file holds no pairs: its only line was taken for a header; if it is a pair, 'same' must be 1/0, true/false or yes/no, got '{h.Same}'", h.Line);
        if (pairs.Count == 0) throw new DataFormatException(path, "the file holds no pairs");
        return pairs;
    }

    internal static bool? ParseSame(string s) => s.ToLowerInvariant() switch
    {
        "1" or "true" or "yes" => true,
        "0" or "false" or "no" => false,
        _ => null,
    };

    /// <summary>The comma-separated, trimmed, optionally double-quoted fields of one line.</summary>
    internal static List<string> Split(string line, string path, long lineNo)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        int i = 0;
        while (true)
        {
            while (i < line.Length && line[i] == ' ') i++;
            sb.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) throw new DataFormatException(path, "unterminated quoted field", lineNo);
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    sb.Append(line[i++]);
                }
                while (i < line.Length && line[i] == ' ') i++;
                if (i < line.Length && line[i] != ',') throw new DataFormatException(path, "unexpected text after a quoted field", lineNo);
                fields.Add(sb.ToString());
            }
            else
            {
                int j = line.IndexOf(',', i);
                fields.Add((j < 0 ? line[i..] : line[i..j]).Trim());
                i = j < 0 ? line.Length : j;
            }
            if (i >= line.Length) break;
            i++; // the comma
        }
        return fields;
    }
}
