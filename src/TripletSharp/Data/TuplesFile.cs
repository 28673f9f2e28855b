using System.Globalization;

namespace TripletSharp.Data;

/// <summary>
/// Reads a tuples file: <c>anchor,positive,negative</c> triplets or <c>a,b,same</c> pairs (same ∈ {1, 0}; also
/// true/false, yes/no), naming items of a dataset.
/// </summary>
/// <remarks>
/// <para>
/// A triplets file starts with the header <c>anchor,positive,negative</c>; any other file is a pairs file, read by
/// <see cref="PairsFile"/> (the same rules as <c>eval --pairs</c>: header optional, <c>#</c> comments and blank lines
/// skipped, fields trimmed and optionally double-quoted).
/// </para>
/// <para>
/// An item is named by its item name in the data: an image's path relative to the data root (<c>shirt/001.png</c>,
/// or <c>train/shirt/001.png</c> with a train/test layout), an IDX record as <c>train/17</c>, a CSV row as
/// <c>file.csv:LINE</c>. Record ids are also accepted: a bare 0-based number <c>k</c> names IDX record
/// <c>train/k</c>, or the k-th data row of a CSV file (0-based, blank lines not counted; the header is not a row).
/// </para>
/// </remarks>
public static class TuplesFile
{
    /// <summary>The header that marks a triplets file.</summary>
    public const string TripletsHeader = "anchor,positive,negative";

    /// <summary>Reads the tuples of <paramref name="path"/> over the items named <paramref name="itemNames"/>.</summary>
    /// <param name="path">The tuples file.</param>
    /// <param name="itemNames">The name of every item, in dataset order.</param>
    /// <param name="csvSource">When the items come from a CSV file: that file, so that bare row ids resolve.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">
    /// An empty file, a malformed line, a bad <c>same</c> value, an id that names no item, or a tuple whose anchor is
    /// its own negative (the message names the file and line).
    /// </exception>
    public static TupleSet Read(string path, IReadOnlyList<string> itemNames, string? csvSource = null)
    {
        Guard.NotNull(path, nameof(path));
        Guard.NotNull(itemNames, nameof(itemNames));
        if (!File.Exists(path)) throw new FileNotFoundException($"Tuples file not found: {path}", path);
        var resolver = new Resolver(path, itemNames, csvSource);
        var first = FirstLine(path);
        if (first is null) throw new DataFormatException(path, "empty file: it holds no tuples (a triplets file starts with 'anchor,positive,negative'; a pairs file holds 'a,b,same' lines)");
        if (IsTripletsHeader(first.Value.Fields)) return ReadTriplets(path, first.Value.Line, resolver, itemNames.Count);
        var pairs = PairsFile.ReadNumbered(path);
        var a = new int[pairs.Count];
        var b = new int[pairs.Count];
        var same = new int[pairs.Count];
        var lines = new long[pairs.Count];
        for (int i = 0; i < pairs.Count; i++)
        {
            var (x, y, s, line) = pairs[i];
            a[i] = resolver.Find(x, line, "a");
            b[i] = resolver.Find(y, line, "b");
            same[i] = s ? 1 : 0;
            lines[i] = line;
        }
        return TupleSet.Create(TupleKind.Pairs, a, b, same, itemNames.Count, lines, path);
    }

    private static TupleSet ReadTriplets(string path, long headerLine, Resolver resolver, int itemCount)
    {
        List<int> a = new(), p = new(), n = new();
        var lines = new List<long>();
        long lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (lineNo <= headerLine || line.Length == 0 || line.StartsWith('#')) continue;
            var fields = PairsFile.Split(line, path, lineNo);
            if (fields.Count != 3)
                throw new DataFormatException(path, $"expected 3 comma-separated fields (anchor,positive,negative), got {fields.Count}", lineNo, "line");
            a.Add(resolver.Find(fields[0], lineNo, "anchor"));
            p.Add(resolver.Find(fields[1], lineNo, "positive"));
            n.Add(resolver.Find(fields[2], lineNo, "negative"));
            lines.Add(lineNo);
        }
        if (a.Count == 0) throw new DataFormatException(path, "the file holds no triplets: only the header 'anchor,positive,negative'", headerLine, "line");
        return TupleSet.Create(TupleKind.Triplets, a.ToArray(), p.ToArray(), n.ToArray(), itemCount, lines.ToArray(), path);
    }

    private static bool IsTripletsHeader(List<string> fields) =>
        fields.Count == 3 && string.Equals(string.Join(",", fields), TripletsHeader, StringComparison.OrdinalIgnoreCase);

    private static (long Line, List<string> Fields)? FirstLine(string path)
    {
        long lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            return (lineNo, PairsFile.Split(line, path, lineNo));
        }
        return null;
    }

    /// <summary>Item name or record id → item index.</summary>
    private sealed class Resolver
    {
        private readonly string _path;
        private readonly Dictionary<string, int> _byName = new(StringComparer.Ordinal);
        private readonly List<string>? _csvRows;

        public Resolver(string path, IReadOnlyList<string> itemNames, string? csvSource)
        {
            _path = path;
            for (int i = 0; i < itemNames.Count; i++) _byName.TryAdd(Normalise(itemNames[i]), i);
            if (csvSource is null || !File.Exists(csvSource)) return;
            // The k-th data row: the k-th non-blank line after the header, named as CsvDatasetReader names it.
            _csvRows = new List<string>();
            var file = System.IO.Path.GetFileName(csvSource);
            long lineNo = 0;
            bool header = true;
            foreach (var raw in File.ReadLines(csvSource))
            {
                lineNo++;
                if (string.IsNullOrWhiteSpace(raw)) continue;
                if (header) { header = false; continue; }
                _csvRows.Add(string.Create(CultureInfo.InvariantCulture, $"{file}:{lineNo}"));
            }
        }

        public int Find(string cell, long line, string field)
        {
            var name = Normalise(cell);
            if (_byName.TryGetValue(name, out int i)) return i;
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int k))
            {
                if (_byName.TryGetValue(string.Create(CultureInfo.InvariantCulture, $"train/{k}"), out i)) return i;
                if (_csvRows is not null && k < _csvRows.Count && _byName.TryGetValue(_csvRows[k], out i)) return i;
            }
            throw new DataFormatException(_path,
                $"the {field} '{cell}' names no item of the data (name items by their path relative to the data root, an IDX record as 'train/17' or '17', a CSV row by its 0-based data-row number or as 'file.csv:LINE'; only items of the training split can be named)",
                line, "line");
        }

        private static string Normalise(string name)
        {
            var n = name.Replace('\\', '/');
            return n.StartsWith("./", StringComparison.Ordinal) ? n[2..] : n;
        }
    }
}
