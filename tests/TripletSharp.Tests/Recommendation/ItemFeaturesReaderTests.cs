using TripletSharp.Data;
using TripletSharp.Tests.Data;

namespace TripletSharp.Tests.Recommendation;

/// <summary>The item-features reader: encoding against a plain reference, the "no features" rule, and bad input named by file, line and column.</summary>
public sealed class ItemFeaturesReaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, params string[] lines)
    {
        var path = _dir.File(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void EncodesStandardisedNumbersAndMultiHotValues()
    {
        var path = Write("items.csv", "movieId,year,genres,score", " 10 ,1990,Comedy|Action,1", "11,2000,,2", "12,2010,Drama| Comedy ,2.5");
        var f = ItemFeaturesReader.Read(path, new ItemFeaturesOptions { CategoricalColumns = ["genres"] });
        Assert.Equal(["10", "11", "12"], f.Ids);
        Assert.Equal(["year", "score"], f.Schema.NumericColumns);
        Assert.Equal(["year", "score", "genres=Action", "genres=Comedy", "genres=Drama", "(no features)"], f.Schema.InputNames);
        // Reference: population mean and standard deviation of each numeric column.
        double[][] numbers = [[1990, 2000, 2010], [1, 2, 2.5]];
        bool[][] hot = [[true, true, false], [false, false, false], [false, true, true]];
        for (int r = 0; r < 3; r++)
        {
            for (int c = 0; c < 2; c++)
            {
                double mean = numbers[c].Average(), sd = Math.Sqrt(numbers[c].Average(v => (v - mean) * (v - mean)));
                Assert.Equal((numbers[c][r] - mean) / sd, f.Values[r * 6 + c], 5);
            }
            for (int v = 0; v < 3; v++) Assert.Equal(hot[r][v] ? 1f : 0f, f.Values[r * 6 + 2 + v]);
            Assert.Equal(0f, f.Values[r * 6 + 5]);
        }
        // An item of the interactions without a row: zeros and the "no features" input.
        var aligned = f.Align(["12", "99", "10"], out int missing);
        Assert.Equal(1, missing);
        Assert.Equal(f.Values.Skip(12).Take(6), aligned.Take(6));
        Assert.Equal([0, 0, 0, 0, 0, 1f], aligned.Skip(6).Take(6));
        Assert.Equal(f.Values.Take(6), aligned.Skip(12));
    }

    [Fact]
    public void ReadsNewItemsAgainstTheTrainingSchema()
    {
        var train = ItemFeaturesReader.Read(Write("train.csv", "movieId,year,genres", "1,1990,A", "2,2010,B"), new ItemFeaturesOptions { CategoricalColumns = ["genres"] });
        var fresh = ItemFeaturesReader.Read(Write("new.csv", "genres,extra,movieId,year", "B|C,x,7,2000"), train.Schema);
        Assert.Equal(["7"], fresh.Ids);
        Assert.Equal(1, fresh.UnknownValues);                          // C is not a value the model knows: left out
        Assert.Equal([0f, 0f, 1f, 0f], fresh.Values);                  // (2000 − 2000) / 10, A, B, flag
        var e = Assert.Throws<DataFormatException>(() => ItemFeaturesReader.Read(Write("short.csv", "movieId,genres", "7,A"), train.Schema));
        Assert.Contains("no column 'year'", e.Message);
    }

    [Theory]
    [InlineData("movieId,year|1,1990|1,1991", 3, "the item '1' appears again (first on line 2)")]
    [InlineData("movieId,year|1,199O", 2, "non-numeric feature '199O' in column 'year' (column 2)")]
    [InlineData("movieId,year|1,NaN", 2, "non-numeric feature 'NaN'")]
    [InlineData("movieId,year|1,1990,3", 2, "ragged row")]
    [InlineData("movieId,year| ,1990", 2, "empty item id in column 'movieId'")]
    [InlineData("item,year|1,1990", 1, "no column 'movieId'")]
    [InlineData("movieId,year,year|1,1990,1", 1, "the column 'year' appears more than once")]
    [InlineData("movieId,year", null, "header but no items")]
    public void BadInputNamesTheFileLineAndColumn(string text, int? line, string problem)
    {
        var path = Write("bad.csv", text.Split('|'));
        var e = Assert.Throws<DataFormatException>(() => ItemFeaturesReader.Read(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(line, e.Record);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void RefusesAMissingCategoricalColumnAMissingFileAndBadOptions()
    {
        var path = Write("items.csv", "movieId,year", "1,1990");
        Assert.Contains("no column 'genres'", Assert.Throws<DataFormatException>(() => ItemFeaturesReader.Read(path, new ItemFeaturesOptions { CategoricalColumns = ["genres"] })).Message);
        Assert.Contains("file not found", Assert.Throws<DataFormatException>(() => ItemFeaturesReader.Read(_dir.File("none.csv"))).Message);
        Assert.Contains("empty file", Assert.Throws<DataFormatException>(() => ItemFeaturesReader.Read(Write("empty.csv"))).Message);
        Assert.Equal("CategoricalColumns", Assert.Throws<ArgumentException>(() => ItemFeaturesReader.Read(path, new ItemFeaturesOptions { CategoricalColumns = ["movieId"] })).ParamName);
    }
}
