using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;
using TripletSharp.Models;

namespace TripletSharp.Cli;

/// <summary>Writes an <see cref="EmbeddingSet"/> as CSV, NumPy .npy or Parquet, atomically.</summary>
internal static class EmbeddingWriter
{
    public enum Kind { Csv, Npy, Parquet }

    public static Kind KindOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => Kind.Csv,
        ".npy" => Kind.Npy,
        ".parquet" or ".pq" => Kind.Parquet,
        _ => throw new ArgumentException($"'Output' must end in .csv, .npy or .parquet; got '{path}'.", "Output"),
    };

    public static void Write(string path, Kind kind, EmbeddingSet set)
    {
        float[] values = set.Embeddings.contiguous().data<float>().ToArray();
        switch (kind)
        {
            case Kind.Csv: AtomicFile.Write(path, s => WriteCsv(s, set, values)); break;
            case Kind.Npy: AtomicFile.Write(path, s => WriteNpy(s, set, values)); break;
            default: AtomicFile.Write(path, s => WriteParquet(s, set, values).GetAwaiter().GetResult()); break;
        }
    }

    /// <summary>Columns: label, class, split, item, e0 … e(D−1).</summary>
    private static void WriteCsv(Stream stream, EmbeddingSet set, float[] values)
    {
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        int dim = set.Dimension;
        w.Write("label,class,split,item");
        for (int j = 0; j < dim; j++) w.Write($",e{j}");
        w.WriteLine();
        for (int i = 0; i < set.Count; i++)
        {
            w.Write(set.Labels[i].ToString(CultureInfo.InvariantCulture));
            w.Write(',');
            w.Write(Csv(set.ClassName(i)));
            w.Write(',');
            w.Write(set.Splits[i]);
            w.Write(',');
            w.Write(Csv(set.ItemNames?[i] ?? ""));
            for (int j = 0; j < dim; j++)
            {
                w.Write(',');
                w.Write(values[i * dim + j].ToString("R", CultureInfo.InvariantCulture));
            }
            w.WriteLine();
        }
    }

    private static string Csv(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    /// <summary>
    /// A NumPy structured array of N records: <c>label</c> (int64), <c>class</c>, <c>split</c>, <c>item</c> (fixed-width
    /// unicode) and <c>embedding</c> (float32 × D). <c>np.load(f)["embedding"]</c> gives the N×D matrix.
    /// </summary>
    private static void WriteNpy(Stream stream, EmbeddingSet set, float[] values)
    {
        int n = set.Count, dim = set.Dimension;
        int classWidth = Math.Max(1, Enumerable.Range(0, n).Select(i => set.ClassName(i).Length).DefaultIfEmpty(1).Max());
        int itemWidth = Math.Max(1, set.ItemNames?.Select(s => s.Length).DefaultIfEmpty(1).Max() ?? 1);
        const int splitWidth = 5;
        var descr = $"[('label', '<i8'), ('class', '<U{classWidth}'), ('split', '<U{splitWidth}'), ('item', '<U{itemWidth}'), ('embedding', '<f4', ({dim},))]";
        var header = $"{{'descr': {descr}, 'fortran_order': False, 'shape': ({n},), }}";
        // Version 1.0 header: magic, version, little-endian uint16 length, padded with spaces to a multiple of 64, ending in '\n'.
        int unpadded = 10 + header.Length + 1;
        int total = (unpadded + 63) / 64 * 64;
        if (total - 10 > ushort.MaxValue) throw new InvalidOperationException("The .npy header is too long.");
        header = header + new string(' ', total - unpadded) + "\n";
        using var w = new BinaryWriter(stream, Encoding.ASCII, leaveOpen: true);
        w.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
        w.Write((ushort)header.Length);
        w.Write(Encoding.ASCII.GetBytes(header));
        var utf32 = new UTF32Encoding(bigEndian: false, byteOrderMark: false);
        for (int i = 0; i < n; i++)
        {
            w.Write(set.Labels[i]);
            WriteFixed(w, utf32, set.ClassName(i), classWidth);
            WriteFixed(w, utf32, set.Splits[i], splitWidth);
            WriteFixed(w, utf32, set.ItemNames?[i] ?? "", itemWidth);
            for (int j = 0; j < dim; j++) w.Write(values[i * dim + j]);
        }
    }

    private static void WriteFixed(BinaryWriter w, Encoding utf32, string s, int width)
    {
        var bytes = utf32.GetBytes(s);
        w.Write(bytes);
        for (int k = bytes.Length / 4; k < width; k++) w.Write(0);
    }

    /// <summary>Columns: label (int64), class, split, item (strings; item omitted when unknown), e0 … e(D−1) (float32).</summary>
    private static Task WriteParquet(Stream stream, EmbeddingSet set, float[] values)
    {
        int n = set.Count, dim = set.Dimension;
        var columns = new List<TableColumn>
        {
            new("label", set.Labels),
            new("class", Enumerable.Range(0, n).Select(set.ClassName).ToArray()),
            new("split", set.Splits.ToArray()),
        };
        if (set.ItemNames is not null) columns.Add(new("item", set.ItemNames.ToArray()));
        for (int j = 0; j < dim; j++)
        {
            var column = new float[n];
            for (int i = 0; i < n; i++) column[i] = values[i * dim + j];
            columns.Add(new($"e{j}", column));
        }
        return WriteParquet(stream, columns);
    }

    /// <summary>Writes <paramref name="columns"/> (of equal length) as one Parquet row group; used for embeddings and for match results.</summary>
    public static async Task WriteParquet(Stream stream, IReadOnlyList<TableColumn> columns)
    {
        var fields = columns.Select(c => c.Values switch
        {
            long[] => (DataField)new DataField<long>(c.Name),
            float[] => new DataField<float>(c.Name),
            double[] => new DataField<double>(c.Name),
            string[] => new DataField<string>(c.Name),
            _ => throw new ArgumentException($"Column '{c.Name}' holds {c.Values.GetType().Name}; a Parquet column holds long, float, double or string values."),
        }).ToArray();
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
        using var group = writer.CreateRowGroup();
        for (int i = 0; i < columns.Count; i++)
        {
            switch (columns[i].Values)
            {
                case long[] l: await group.WriteAsync<long>((DataField<long>)fields[i], l.AsMemory()); break;
                case float[] f: await group.WriteAsync<float>((DataField<float>)fields[i], f.AsMemory()); break;
                case double[] d: await group.WriteAsync<double>((DataField<double>)fields[i], d.AsMemory()); break;
                case string[] s: await group.WriteAsync((DataField<string>)fields[i], s); break;
            }
        }
    }

    /// <summary>Writes <paramref name="columns"/> as CSV with a header row (values in invariant culture, round-trip precision).</summary>
    public static void WriteCsv(Stream stream, IReadOnlyList<TableColumn> columns)
    {
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        w.WriteLine(string.Join(',', columns.Select(c => Csv(c.Name))));
        int n = columns.Count == 0 ? 0 : columns[0].Values.Length;
        for (int i = 0; i < n; i++)
        {
            w.WriteLine(string.Join(',', columns.Select(c => c.Values switch
            {
                long[] l => l[i].ToString(CultureInfo.InvariantCulture),
                float[] f => f[i].ToString("R", CultureInfo.InvariantCulture),
                double[] d => d[i].ToString("R", CultureInfo.InvariantCulture),
                string[] s => Csv(s[i] ?? ""),
                _ => "",
            })));
        }
    }
}
