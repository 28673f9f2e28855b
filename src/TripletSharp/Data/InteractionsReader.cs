using System.Globalization;
using nietras.SeparatedValues;

namespace TripletSharp.Data;

/// <summary>
/// Reads a CSV of interactions (<c>userId,movieId,rating,timestamp</c> by default; the columns are named by
/// <see cref="InteractionsOptions"/>, others are ignored).
/// </summary>
/// <remarks>
/// Rules: user and item ids are text (trimmed, non-empty); ratings and times must be finite numbers (a bad cell names the
/// file, line and column). A repeated (user, item) pair keeps its latest row (by time, then by file order) and is counted
/// in <see cref="Interactions.DuplicateRows"/>. Rows need not be in time order; rows earlier than the same user's row before them
/// are counted in <see cref="Interactions.OutOfOrderRows"/>. Without a rating column every row is a positive; without a
/// time column <see cref="Interactions.Times"/> is null.
/// </remarks>
public static class InteractionsReader
{
    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="DataFormatException">The file is missing, empty, lacks the user or item column, or holds a bad cell.</exception>
    public static Interactions Read(string path, InteractionsOptions? options = null)
    {
        Guard.NotNull(path, nameof(path));
        options ??= new InteractionsOptions();
        options.Validate();
        if (!File.Exists(path)) throw new DataFormatException(path, "file not found.");
        if (new FileInfo(path).Length == 0) throw new DataFormatException(path, "empty file: no header row.");

        using var reader = Sep.New(',').Reader(o => o with { HasHeader = false, DisableColCountCheck = true }).FromFile(path);
        List<string>? header = null;
        int userCol = -1, itemCol = -1, ratingCol = -1, timeCol = -1;
        var userIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var itemIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var userIds = new List<string>();
        var itemIds = new List<string>();
        var pairRow = new Dictionary<long, int>();
        var users = new List<int>();
        var items = new List<int>();
        var ratings = new List<double>();
        var times = new List<double>();
        int duplicates = 0, outOfOrder = 0;
        var lastTime = new List<double>();
        foreach (var row in reader)
        {
            long lineNo = row.RowIndex == 0 ? 1 : row.LineNumberFrom;
            if (row.ColCount == 1 && row.Span.IsWhiteSpace()) continue;
            if (header is null)
            {
                header = [];
                for (int j = 0; j < row.ColCount; j++) header.Add(CsvDatasetReader.Field(row[j].Span, path, lineNo).Trim());
                userCol = Column(header, options.UserColumn, path, lineNo, required: true);
                itemCol = Column(header, options.ItemColumn, path, lineNo, required: true);
                ratingCol = Column(header, options.RatingColumn, path, lineNo, required: false);
                timeCol = Column(header, options.TimeColumn, path, lineNo, required: false);
                continue;
            }
            if (row.ColCount != header.Count)
                throw new DataFormatException(path, $"ragged row: {row.ColCount} fields, the header has {header.Count}.", lineNo, "line");
            string user = Id(row, userCol, header, path, lineNo), item = Id(row, itemCol, header, path, lineNo);
            double rating = ratingCol < 0 ? 1.0 : Number(row, ratingCol, header, path, lineNo, "rating");
            double time = timeCol < 0 ? 0.0 : Number(row, timeCol, header, path, lineNo, "timestamp");
            int u = IndexOf(userIndex, userIds, user), i = IndexOf(itemIndex, itemIds, item);
            if (u == lastTime.Count) lastTime.Add(double.NegativeInfinity);
            if (timeCol >= 0)
            {
                if (time < lastTime[u]) outOfOrder++;
                lastTime[u] = time;
            }
            long key = ((long)u << 32) | (uint)i;
            if (pairRow.TryGetValue(key, out int earlier))
            {
                duplicates++;
                if (time >= times[earlier]) { ratings[earlier] = rating; times[earlier] = time; }
                continue;
            }
            pairRow[key] = users.Count;
            users.Add(u);
            items.Add(i);
            ratings.Add(rating);
            times.Add(time);
        }
        if (header is null) throw new DataFormatException(path, "empty file: no header row.");
        if (users.Count == 0) throw new DataFormatException(path, "the file has a header but no interactions.");
        var positive = ratings.Select(r => ratingCol < 0 || r >= options.PositiveThreshold).ToArray();
        return new Interactions(path, userIds, itemIds, [.. users], [.. items], [.. ratings], timeCol < 0 ? null : [.. times], positive, duplicates, outOfOrder);
    }

    private static int Column(List<string> header, string name, string path, long line, bool required)
    {
        int at = header.IndexOf(name);
        if (at < 0 && required)
            throw new DataFormatException(path, $"no column '{name}' in the header (columns: {string.Join(", ", header.Select(h => $"'{h}'"))}); name the columns with --user-column and --item-column.", line, "line");
        if (at >= 0 && header.LastIndexOf(name) != at)
            throw new DataFormatException(path, $"the column '{name}' appears more than once in the header.", line, "line");
        return at;
    }

    private static string Id(SepReader.Row row, int col, List<string> header, string path, long line)
    {
        var id = CsvDatasetReader.Field(row[col].Span, path, line).Trim();
        if (id.Length == 0) throw new DataFormatException(path, $"empty id in column '{header[col]}' (column {col + 1}).", line, "line");
        return id;
    }

    private static double Number(SepReader.Row row, int col, List<string> header, string path, long line, string what)
    {
        var cell = CsvDatasetReader.Field(row[col].Span, path, line).Trim();
        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new DataFormatException(path, $"non-numeric {what} '{(cell.Length <= 40 ? cell : cell[..37] + "...")}' in column '{header[col]}' (column {col + 1}).", line, "line");
        return v;
    }

    private static int IndexOf(Dictionary<string, int> index, List<string> ids, string id)
    {
        if (index.TryGetValue(id, out int at)) return at;
        index[id] = ids.Count;
        ids.Add(id);
        return ids.Count - 1;
    }
}
