using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Writes results either as readable tables or, with <c>--json</c>, one JSON object per line on stdout.
/// Progress and notes go to stderr in JSON mode so stdout stays machine-readable.
/// </summary>
internal sealed class Reporter
{
    private readonly bool _json;
    private Column[] _columns = Array.Empty<Column>();

    public Reporter(bool json) => _json = json;

    public bool Json => _json;

    /// <summary>All rows written so far (for the targets summary).</summary>
    public List<Row> Rows { get; } = new();

    /// <summary>Starts a table: prints its title and header in table mode.</summary>
    public void BeginTable(string title, params Column[] columns)
    {
        _columns = columns;
        if (_json) { Progress($"== {title}"); return; }
        Console.WriteLine();
        Console.WriteLine($"## {title}");
        Console.WriteLine();
        Console.WriteLine("| " + string.Join(" | ", columns.Select(c => Pad(c, c.Header))) + " |");
        Console.WriteLine("|" + string.Join("|", columns.Select(c => c.Left ? ":" + new string('-', c.EffectiveWidth + 1) : new string('-', c.EffectiveWidth + 1) + ":")) + "|");
    }

    /// <summary>Prints one row (a table line, or a JSON object).</summary>
    public void Write(Row row)
    {
        Rows.Add(row);
        if (_json)
        {
            Console.WriteLine(ToJson(row));
            return;
        }
        Console.WriteLine("| " + string.Join(" | ", _columns.Select(c => Pad(c, Format(c.ValueOf(row), c.Format)))) + " |");
    }

    /// <summary>A line of text for humans: stdout in table mode, stderr in JSON mode.</summary>
    public void Note(string text)
    {
        if (_json) Console.Error.WriteLine(text);
        else Console.WriteLine(text);
    }

    /// <summary>Progress for humans, always on stderr.</summary>
    public static void Progress(string text) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {text}");

    private static string Pad(Column c, string text) => c.Left ? text.PadRight(c.EffectiveWidth) : text.PadLeft(c.EffectiveWidth);

    public static string Format(object? value, string format) => value switch
    {
        null => "–",
        double d => d.ToString(format, CultureInfo.InvariantCulture),
        float f => f.ToString(format, CultureInfo.InvariantCulture),
        int or long => Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        bool b => b ? "yes" : "no",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    public static string ToJson(Row row)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            foreach (var (k, v) in row.Items)
            {
                switch (v)
                {
                    case null: w.WriteNull(k); break;
                    case double d: w.WriteNumber(k, Math.Round(d, 6)); break;
                    case float f: w.WriteNumber(k, Math.Round(f, 6)); break;
                    case int n: w.WriteNumber(k, n); break;
                    case long n: w.WriteNumber(k, n); break;
                    case bool b: w.WriteBoolean(k, b); break;
                    default: w.WriteString(k, Convert.ToString(v, CultureInfo.InvariantCulture)); break;
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
