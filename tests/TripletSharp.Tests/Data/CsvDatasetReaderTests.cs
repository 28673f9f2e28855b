using System.Globalization;
using TripletSharp.Data;
using static TripletSharp.Tests.Data.DataTestFiles;

namespace TripletSharp.Tests.Data;

public class CsvDatasetReaderTests
{
    [Fact]
    public void ReadsFeaturesAndIntegerLabelsSortedNumerically()
    {
        using var tmp = new TempDir();
        var rng = new Random(4);
        var rows = new List<(double[] F, int L)>();
        for (int i = 0; i < 12; i++)
            rows.Add((new[] { rng.NextDouble() * 200 - 100, rng.NextDouble() * 1e-3, Math.Round(rng.NextDouble() * 10) }, new[] { 10, 2, 07 }[i % 3]));
        var lines = new List<string> { "x1, label ,x2,x3" };
        foreach (var (f, l) in rows)
            lines.Add(string.Join(",", f[0].ToString("R", CultureInfo.InvariantCulture), l.ToString("00", CultureInfo.InvariantCulture), f[1].ToString("E6", CultureInfo.InvariantCulture), $" {f[2].ToString(CultureInfo.InvariantCulture)} "));
        lines.Insert(5, "");
        var path = tmp.File("d.csv");
        File.WriteAllLines(path, lines);

        using var ds = CsvDatasetReader.Read(path);
        Assert.Equal(DataKind.Vectors, ds.Kind);
        Assert.Equal(new long[] { 12, 3 }, ds.Features.shape);
        Assert.Equal(new[] { "2", "7", "10" }, ds.ClassNames);
        var v = ds.Features.data<float>().ToArray();
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal((float)rows[i].F[0], v[i * 3]);
            Assert.Equal((float)double.Parse(rows[i].F[1].ToString("E6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), v[i * 3 + 1]);
            Assert.Equal((float)rows[i].F[2], v[i * 3 + 2]);
            Assert.Equal(rows[i].L switch { 2 => 0L, 7 => 1L, _ => 2L }, ds.Labels[i]);
        }
        Assert.Equal("d.csv:2", ds.ItemNames![0]);
        Assert.Equal("d.csv:5", ds.ItemNames![3]);
        Assert.Equal("d.csv:7", ds.ItemNames![4]); // the blank line 6 is skipped
    }

    [Fact]
    public void StringLabelsAreSortedOrdinallyAndQuotesAreHonoured()
    {
        using var tmp = new TempDir();
        var path = tmp.File("s.csv");
        File.WriteAllText(path, "\uFEFFspecies,\"a,b\",c\nzebra,1,2\n\"Ant, big\",3,4\nbee,5,6\n\"say \"\"hi\"\"\",7,8\r\nzebra,9,10\n");
        using var ds = CsvDatasetReader.Read(path, "species");
        Assert.Equal(new[] { "Ant, big", "bee", "say \"hi\"", "zebra" }, ds.ClassNames);
        Assert.Equal(new long[] { 3, 0, 1, 2, 3 }, ds.Labels);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, ds.Features.data<float>().ToArray());
    }

    [Fact]
    public void MissingLabelColumn()
    {
        var e = Bad("a,b,c\n1,2,3\n", 1);
        Assert.Contains("no label column 'label'", e.Message);
        Assert.Contains("'a', 'b', 'c'", e.Message);
    }

    [Fact]
    public void NonNumericCell()
    {
        var e = Bad("label,a,b\n0,1,2\n1,3,4\n1,x7,5\n", 4);
        Assert.Contains("non-numeric value 'x7' in column 'a'", e.Message);
        Bad("label,a,b\n0,1,2\n1,1;5,3\n", 3);
        Bad("label,a,b\n0,1,2\n1,\"1,000\",3\n", 3); // no thousands separators
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("∞")]
    [InlineData("1e400")]
    public void NaNOrInfiniteValue(string value)
    {
        var e = Bad($"label,a,b\n0,1,2\n1,2,{value}\n", 3);
        Assert.Contains("'b'", e.Message);
    }

    [Fact]
    public void ValueOutsideFloat32Range()
    {
        var e = Bad("label,a\n0,1\n1,3e39\n", 3);
        Assert.Contains("float32", e.Message);
    }

    [Fact]
    public void RaggedRow()
    {
        var e = Bad("label,a,b\n0,1,2\n1,3\n", 3);
        Assert.Contains("2 fields", e.Message);
        Bad("label,a,b\n0,1,2\n1,3,4,5\n", 3);
    }

    [Fact]
    public void EmptyFile()
    {
        var e = Bad("", null);
        Assert.Contains("empty file", e.Message);
        Bad("\n  \n", null);
    }

    [Fact]
    public void HeaderOnly()
    {
        var e = Bad("label,a,b\n", null);
        Assert.Contains("no data rows", e.Message);
    }

    [Fact]
    public void MissingCellAndMissingLabel()
    {
        Assert.Contains("missing value in column 'a'", Bad("label,a,b\n0,1,2\n1,,2\n", 3).Message);
        Assert.Contains("missing label", Bad("label,a,b\n0,1,2\n ,1,2\n", 3).Message);
    }

    [Fact]
    public void UnterminatedQuoteAndDuplicateOrLoneLabelColumn()
    {
        Bad("label,a\n0,\"1\n1,2\n", 2);
        Bad("label,a,label\n0,1,2\n", 1);
        Bad("label\n0\n", 1);
    }

    [Fact]
    public void ErrorsComeThroughTheLoaderToo()
    {
        using var tmp = new TempDir();
        var path = tmp.File("bad.csv");
        File.WriteAllText(path, "label,a\n0,1\n1,oops\n");
        AssertDataError(() => DatasetLoader.Load(new DataOptions { Path = path }), path, 3, "line");
    }

    private static DataFormatException Bad(string content, long? line)
    {
        using var tmp = new TempDir();
        var path = tmp.File("t.csv");
        File.WriteAllText(path, content);
        var e = AssertDataError(() => CsvDatasetReader.Read(path), path, line, "line");
        if (line is null) Assert.Null(e.Record);
        return e;
    }
}
