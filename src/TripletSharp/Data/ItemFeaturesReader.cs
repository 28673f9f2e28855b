using System.Globalization;
using nietras.SeparatedValues;

namespace TripletSharp.Data;

/// <summary>
/// Reads a CSV of item features: an id column, numeric columns and categorical columns (one or more values per cell,
/// <c>Action|Comedy</c>), encoded as <see cref="ItemFeaturesSchema"/> says.
/// </summary>
/// <remarks>
/// Rules: ids are text (trimmed, non-empty, each at most once: a repeated id names both lines); every column but the
/// id and the categorical ones is numeric, and a cell that is not a finite number names the file, line and column; an
/// empty categorical cell means "no value". Read for training (<see cref="Read(string, ItemFeaturesOptions)"/>) the
/// file fixes the schema: numeric means and scales, and the categorical values in ordinal order. Read against a
/// saved schema (<see cref="Read(string, ItemFeaturesSchema)"/>, to place new items) the file must have the schema's
/// columns (others are ignored) and a categorical value the schema lacks is left out and counted in
/// <see cref="ItemFeatures.UnknownValues"/>.
/// </remarks>
public static class ItemFeaturesReader
{
    /// <summary>Reads <paramref name="path"/> for training: the file fixes the schema.</summary>
    /// <exception cref="DataFormatException">The file is missing or empty, lacks a named column, or holds a bad cell or a repeated id.</exception>
    public static ItemFeatures Read(string path, ItemFeaturesOptions? options = null)
    {
        Guard.NotNull(path, nameof(path));
        options ??= new ItemFeaturesOptions();
        options.Validate();
        var (header, rows) = ReadRows(path, options.IdColumn);
        int idCol = header.IndexOf(options.IdColumn);
        var categorical = options.CategoricalColumns.Select(c => Required(header, c, path, "--item-categorical")).ToArray();
        var numeric = Enumerable.Range(0, header.Count).Where(j => j != idCol && !categorical.Contains(j)).ToArray();
        var numbers = rows.Select(r => numeric.Select(j => Number(r.Fields[j], header[j], j, path, r.Line)).ToArray()).ToArray();
        var means = new double[numeric.Length];
        var scales = new double[numeric.Length];
        for (int c = 0; c < numeric.Length; c++)
        {
            double mean = numbers.Average(n => n[c]);
            double sd = Math.Sqrt(numbers.Average(n => (n[c] - mean) * (n[c] - mean)));
            means[c] = mean;
            scales[c] = sd > 0 && double.IsFinite(sd) ? sd : 1.0;
        }
        var values = categorical.Select(j => rows.SelectMany(r => Split(r.Fields[j], options.Separator)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray()).ToArray();
        var schema = new ItemFeaturesSchema(options.IdColumn, numeric.Select(j => header[j]).ToArray(), means, scales,
            categorical.Select(j => header[j]).ToArray(), values, options.Separator);
        return Encode(path, schema, header, rows, numbers, out _);
    }

    /// <summary>Reads <paramref name="path"/> against a saved <paramref name="schema"/> (new items for a trained model).</summary>
    /// <exception cref="DataFormatException">The file is missing or empty, lacks a column of the schema, or holds a bad cell or a repeated id.</exception>
    public static ItemFeatures Read(string path, ItemFeaturesSchema schema)
    {
        Guard.NotNull(path, nameof(path));
        Guard.NotNull(schema, nameof(schema));
        schema.Validate();
        var (header, rows) = ReadRows(path, schema.IdColumn);
        var numeric = schema.NumericColumns.Select(c => Required(header, c, path, "the model's numeric features")).ToArray();
        foreach (var c in schema.CategoricalColumns) Required(header, c, path, "the model's categorical features");
        var numbers = rows.Select(r => numeric.Select(j => Number(r.Fields[j], header[j], j, path, r.Line)).ToArray()).ToArray();
        return Encode(path, schema, header, rows, numbers, out _);
    }

    private static ItemFeatures Encode(string path, ItemFeaturesSchema schema, List<string> header, List<(long Line, string[] Fields)> rows, double[][] numbers, out int unknown)
    {
        int w = schema.Width, nn = schema.NumericColumns.Length;
        var values = new float[(long)rows.Count * w];
        var columns = schema.CategoricalColumns.Select(c => header.IndexOf(c)).ToArray();
        var offsets = new int[columns.Length];
        var lookups = schema.CategoricalValues.Select(v => v.Select((s, i) => (s, i)).ToDictionary(t => t.s, t => t.i, StringComparer.Ordinal)).ToArray();
        for (int c = 0, at = nn; c < columns.Length; at += schema.CategoricalValues[c].Length, c++) offsets[c] = at;
        unknown = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            long b = (long)r * w;
            for (int c = 0; c < nn; c++) values[b + c] = (float)((numbers[r][c] - schema.Means[c]) / schema.Scales[c]);
            for (int c = 0; c < columns.Length; c++)
                foreach (var v in Split(rows[r].Fields[columns[c]], schema.Separator))
                    if (lookups[c].TryGetValue(v, out int i)) values[b + offsets[c] + i] = 1f;
                    else unknown++;
        }
        int idCol = header.IndexOf(schema.IdColumn);
        return new ItemFeatures(path, schema, rows.Select(r => r.Fields[idCol].Trim()).ToArray(), values, unknown);
    }

    /// <summary>The header and the data rows (line number, raw fields), ids checked: present, non-empty, distinct.</summary>
    private static (List<string> Header, List<(long Line, string[] Fields)> Rows) ReadRows(string path, string idColumn)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, "file not found.");
        if (new FileInfo(path).Length == 0) throw new DataFormatException(path, "empty file: no header row.");
        using var reader = Sep.New(',').Reader(o => o with { HasHeader = false, DisableColCountCheck = true }).FromFile(path);
        List<string>? header = null;
        int idCol = -1;
        var rows = new List<(long, string[])>();
        var firstLine = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in reader)
        {
            long line = row.RowIndex == 0 ? 1 : row.LineNumberFrom;
            if (row.ColCount == 1 && row.Span.IsWhiteSpace()) continue;
            var fields = new string[row.ColCount];
            for (int j = 0; j < fields.Length; j++) fields[j] = CsvDatasetReader.Field(row[j].Span, path, line);
            if (header is null)
            {
                header = fields.Select(f => f.Trim()).ToList();
                foreach (var name in header)
                    if (header.Count(h => h == name) > 1) throw new DataFormatException(path, $"the column '{name}' appears more than once in the header.", line, "line");
                idCol = Required(header, idColumn, path, "--item-column");
                continue;
            }
            if (fields.Length != header.Count)
                throw new DataFormatException(path, $"ragged row: {fields.Length} fields, the header has {header.Count}.", line, "line");
            var id = fields[idCol].Trim();
            if (id.Length == 0) throw new DataFormatException(path, $"empty item id in column '{header[idCol]}' (column {idCol + 1}).", line, "line");
            if (!firstLine.TryAdd(id, line)) throw new DataFormatException(path, $"the item '{id}' appears again (first on line {firstLine[id]}); give each item one row.", line, "line");
            rows.Add((line, fields));
        }
        if (header is null) throw new DataFormatException(path, "empty file: no header row.");
        if (rows.Count == 0) throw new DataFormatException(path, "the file has a header but no items.");
        return (header, rows);
    }

    private static int Required(List<string> header, string name, string path, string hint)
    {
        int at = header.IndexOf(name);
        if (at < 0) throw new DataFormatException(path, $"no column '{name}' in the header (columns: {string.Join(", ", header.Select(h => $"'{h}'"))}); {hint} names it.", 1, "line");
        return at;
    }

    private static double Number(string raw, string column, int col, string path, long line)
    {
        var cell = raw.Trim();
        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new DataFormatException(path, $"non-numeric feature '{(cell.Length <= 40 ? cell : cell[..37] + "...")}' in column '{column}' (column {col + 1}); name text columns with --item-categorical.", line, "line");
        return v;
    }

    private static IEnumerable<string> Split(string cell, char separator) =>
        cell.Split(separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal);
}
