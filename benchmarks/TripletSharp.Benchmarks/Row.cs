namespace TripletSharp.Benchmarks;

/// <summary>One result: ordered key/value pairs (numbers, strings, booleans or null), printed as a table line or a JSON object.</summary>
internal sealed class Row
{
    private readonly List<KeyValuePair<string, object?>> _items = new();

    public Row(string suite) => Set("suite", suite);

    public IReadOnlyList<KeyValuePair<string, object?>> Items => _items;

    /// <summary>Sets (or replaces) a value; NaN and infinities become null so the JSON stays valid.</summary>
    public Row Set(string key, object? value)
    {
        if (value is double d && (double.IsNaN(d) || double.IsInfinity(d))) value = null;
        int i = _items.FindIndex(kv => kv.Key == key);
        if (i >= 0) _items[i] = new(key, value);
        else _items.Add(new(key, value));
        return this;
    }

    public object? Get(string key) => _items.FirstOrDefault(kv => kv.Key == key).Value;

    public double? GetDouble(string key) => Get(key) switch
    {
        double d => d,
        int n => n,
        long n => n,
        _ => null,
    };
}
