using System.Globalization;
using System.Text;
using nietras.SeparatedValues;
using TorchSharp;
using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Data;

/// <summary>
/// Reads a CSV file with a header row, a label column and numeric feature columns into an N×F dataset.
/// </summary>
/// <remarks>
/// <para>Read with Sep (nietras.SeparatedValues). Fields are separated by commas; a field may be quoted ("a, b" and "" for a quote), but a quoted field cannot
/// span lines. Blank lines are skipped. Numbers use the invariant culture (a dot for decimals, exponents allowed, no
/// thousands separators) and must be finite and within float32 range; an empty cell is an error.</para>
/// <para>Labels: when every label is an integer they are compared as numbers (so "01" and "1" are one class) and the
/// classes are sorted numerically; otherwise they are compared as trimmed strings and sorted ordinally. Class i is
/// the i-th in that order. Item names are <c>{file name}:{line}</c>.</para>
/// <para>Multi-label: when any label cell holds '|' (<c>tops|summer</c>) every cell is a '|'-separated list of labels
/// and the dataset carries <see cref="Dataset.LabelSets"/> (see <see cref="MapLabelCells"/>); without a '|' nothing
/// changes.</para>
/// <para>Errors name the file and the 1-based line: empty file, header only, missing label column, a ragged row,
/// a missing, non-numeric, NaN or infinite cell.</para>
/// </remarks>
public static class CsvDatasetReader
{
    /// <summary>Longest line read, in characters (16 Mi): a longer one is refused naming the line.</summary>
    public const int MaxLineChars = 1 << 24;

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <param name="path">CSV file.</param>
    /// <param name="labelColumn">Name of the label column (exact, case-sensitive, after trimming the header cell).</param>
    /// <exception cref="DataFormatException">The file is empty or malformed (see remarks).</exception>
    public static Dataset Read(string path, string labelColumn = "label")
    {
        Guard.NotNull(path, nameof(path));
        Guard.NotNull(labelColumn, nameof(labelColumn));
        if (!File.Exists(path)) throw new DataFormatException(path, "file not found.");
        // A FIFO or device has no length: refused before it is opened (opening a FIFO would wait for a writer forever).
        var info = new FileInfo(path);
        var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
        if (!target.Exists || target.Length == 0)
            throw new DataFormatException(path, "empty file: no header row (0 bytes; a FIFO, device or socket also has no length, and only regular files are read).");

        // Sep splits rows and columns (quotes included, so a quoted field may hold the separator); each field is then
        // cleaned by the rules of this reader (Field) and numbers are parsed as before: invariant double, then float.
        using var reader = Sep.New(',').Reader(o => o with { HasHeader = false, DisableColCountCheck = true }).FromFile(path);
        List<string>? header = null;
        long headerLine = 0;
        int featureCount = 0, labelIndex = -1;
        var features = new List<float>();
        var rawLabels = new List<string>();
        var labelLines = new List<long>();
        var itemNames = new List<string>();
        var fileName = Path.GetFileName(path);
        foreach (var row in reader)
        {
            // Sep 0.17.1 reports LineNumberFrom = 2 for the first row (the following rows and every LineNumberToExcl
            // are right); the first row starts on line 1 by definition.
            long lineNo = row.RowIndex == 0 ? 1 : row.LineNumberFrom;
            if (row.Span.Length > MaxLineChars)
                throw new DataFormatException(path, $"line of {row.Span.Length} characters, more than the {MaxLineChars} read per line.", lineNo, "line");
            if (row.ColCount == 1 && row.Span.IsWhiteSpace()) continue;
            if (row.Span.Contains('\uFFFD'))
                throw new DataFormatException(path, "not valid UTF-8 (a byte sequence could not be decoded; a Latin-1 or Windows-1252 file gives names like 'caf�'): save the file as UTF-8, e.g. iconv -f latin1 -t utf-8 in.csv > out.csv.", lineNo, "line");
            if (row.LineNumberToExcl - lineNo > 1)
                throw new DataFormatException(path, "unterminated quoted field (quoted fields cannot span lines).", lineNo, "line");
            if (header is null)
            {
                header = new List<string>(row.ColCount);
                for (int j = 0; j < row.ColCount; j++) header.Add(Field(row[j].Span, path, lineNo).Trim());
                headerLine = lineNo;
                labelIndex = header.IndexOf(labelColumn);
                if (labelIndex < 0)
                    throw new DataFormatException(path, $"no label column '{labelColumn}' in the header (columns: {string.Join(", ", header.Select(h => $"'{h}'"))}).", headerLine, "line");
                if (header.LastIndexOf(labelColumn) != labelIndex)
                    throw new DataFormatException(path, $"the label column '{labelColumn}' appears more than once in the header.", headerLine, "line");
                featureCount = header.Count - 1;
                if (featureCount == 0)
                    throw new DataFormatException(path, $"no feature columns besides the label column '{labelColumn}'.", headerLine, "line");
                continue;
            }
            var fields = new string[row.ColCount];
            for (int j = 0; j < fields.Length; j++) fields[j] = Field(row[j].Span, path, lineNo);
            if (fields.Length != header.Count)
                throw new DataFormatException(path, $"ragged row: {fields.Length} fields, the header has {header.Count}.", lineNo, "line");
            for (int j = 0; j < fields.Length; j++)
            {
                if (j == labelIndex)
                {
                    var label = fields[j].Trim();
                    if (label.Length == 0) throw new DataFormatException(path, $"missing label in column '{labelColumn}'.", lineNo, "line");
                    rawLabels.Add(label);
                    labelLines.Add(lineNo);
                    continue;
                }
                var cell = fields[j].Trim();
                if (cell.Length == 0)
                    throw new DataFormatException(path, $"missing value in column '{header[j]}'.", lineNo, "line");
                if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new DataFormatException(path, $"non-numeric value '{Shorten(cell)}' in column '{header[j]}'.", lineNo, "line");
                if (!double.IsFinite(v))
                    throw new DataFormatException(path, $"NaN or infinite value '{Shorten(cell)}' in column '{header[j]}'.", lineNo, "line");
                float f = (float)v;
                if (!float.IsFinite(f))
                    throw new DataFormatException(path, $"value '{Shorten(cell)}' in column '{header[j]}' is outside the float32 range.", lineNo, "line");
                features.Add(f);
            }
            itemNames.Add($"{fileName}:{lineNo}");
        }
        if (header is null) throw new DataFormatException(path, "empty file: no header row.");
        if (rawLabels.Count == 0) throw new DataFormatException(path, "the file has a header but no data rows.");

        var (labels, classNames, labelSets) = MapLabelCells(rawLabels, path, labelLines, labelColumn);
        NativeLibraries.EnsureLoaded();
        using var scope = torch.NewDisposeScope();
        var tensor = torch.tensor(features.ToArray(), new long[] { rawLabels.Count, featureCount }).MoveToOuterDisposeScope();
        return new Dataset(tensor, labels, classNames, DataKind.Vectors, itemNames, labelSets);
    }

    /// <summary>Separates the labels of a multi-label cell (<c>a|b|c</c>).</summary>
    public const char LabelSeparator = '|';

    /// <summary>
    /// Maps label cells to classes. When any cell holds <see cref="LabelSeparator"/> the data are multi-label: every cell
    /// is split there (parts trimmed; an empty part is an error naming the line), the classes are all the parts (mapped
    /// as <see cref="MapLabels"/> does), an item's first part is its <see cref="Dataset.Labels"/> entry and all its parts
    /// its <see cref="Dataset.LabelSets"/> entry. Otherwise the cells are single labels and the sets are null.
    /// </summary>
    internal static (long[] Labels, string[] ClassNames, long[][]? LabelSets) MapLabelCells(IReadOnlyList<string> raw, string path, IReadOnlyList<long> lines, string labelColumn)
    {
        if (!raw.Any(r => r.Contains(LabelSeparator)))
        {
            var (single, names) = MapLabels(raw);
            return (single, names, null);
        }
        var parts = new string[raw.Count][];
        for (int i = 0; i < raw.Count; i++)
        {
            parts[i] = raw[i].Split(LabelSeparator).Select(p => p.Trim()).ToArray();
            if (parts[i].Any(p => p.Length == 0))
                throw new DataFormatException(path, $"empty label in the multi-label cell '{Shorten(raw[i])}' of column '{labelColumn}' (labels are separated by '{LabelSeparator}').", lines[i], "line");
        }
        var flat = parts.SelectMany(p => p).ToArray();
        var (ids, classNames) = MapLabels(flat);
        var sets = new long[raw.Count][];
        var labels = new long[raw.Count];
        int at = 0;
        for (int i = 0; i < raw.Count; i++)
        {
            labels[i] = ids[at];
            sets[i] = ids.AsSpan(at, parts[i].Length).ToArray().Distinct().ToArray();
            at += parts[i].Length;
        }
        return (labels, classNames, sets);
    }

    /// <summary>Maps label strings to class indices: numerically when all are integers, else ordinally.</summary>
    internal static (long[] Labels, string[] ClassNames) MapLabels(IReadOnlyList<string> raw)
    {
        var numbers = new long[raw.Count];
        bool numeric = true;
        for (int i = 0; i < raw.Count && numeric; i++)
            numeric = long.TryParse(raw[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out numbers[i]);
        if (numeric)
        {
            var classes = numbers.Distinct().Order().ToArray();
            var index = classes.Select((v, i) => (v, i)).ToDictionary(t => t.v, t => (long)t.i);
            return (numbers.Select(n => index[n]).ToArray(), classes.Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray());
        }
        var names = raw.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var byName = names.Select((n, i) => (n, i)).ToDictionary(t => t.n, t => (long)t.i, StringComparer.Ordinal);
        return (raw.Select(r => byName[r]).ToArray(), names);
    }

    /// <summary>
    /// One field as Sep delimits it, cleaned by this reader's rules: a field whose first non-blank character is a quote
    /// is quoted ("" inside is one quote; text after the closing quote is kept), any other quote is a plain character.
    /// </summary>
    internal static string Field(ReadOnlySpan<char> raw, string path, long lineNo)
    {
        int start = 0;
        while (start < raw.Length && char.IsWhiteSpace(raw[start])) start++;
        if (start == raw.Length || raw[start] != '"') return raw.ToString();
        var sb = new StringBuilder(raw.Length);
        int i = start + 1;
        for (; i < raw.Length; i++)
        {
            if (raw[i] != '"') sb.Append(raw[i]);
            else if (i + 1 < raw.Length && raw[i + 1] == '"') { sb.Append('"'); i++; }
            else break;
        }
        if (i >= raw.Length)
            throw new DataFormatException(path, "unterminated quoted field (quoted fields cannot span lines).", lineNo, "line");
        sb.Append(raw[(i + 1)..]);
        return sb.ToString();
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";
}
