namespace TripletSharp.Benchmarks;

/// <summary>A column of a printed table: the row key it shows (or a selector), its header and a number format.</summary>
internal sealed record Column(string Key, string Header, string Format = "0.00", int Width = 0, Func<Row, object?>? Select = null, bool Left = false)
{
    public int EffectiveWidth => Math.Max(Width, Header.Length);

    public object? ValueOf(Row row) => Select is null ? row.Get(Key) : Select(row);
}
