using TripletSharp.Data;
using static TripletSharp.Tests.Data.DataTestFiles;

namespace TripletSharp.Tests.Data;

/// <summary>Line numbers through Sep: blank lines first, CRLF, a quoted field running onto the next lines, the last row without a newline.</summary>
public class CsvLineNumberTests
{
    [Theory]
    [InlineData("\n\nlabel,a\n0,\"1\n1,2\n", 4)]           // a quote left open runs onto the following lines
    [InlineData("\n \nx,a\n0,1\n", 3)]                     // header after blank lines, no label column
    [InlineData("label,a\r\n\r\n0,1\r\n1,zz\r\n", 4)]       // CRLF and a blank line
    [InlineData("label,a\n0,1\n1,\"2", 3)]                  // unterminated quote on the last line, no newline
    [InlineData("label,a\n0,1\n1", 3)]                      // ragged last row without a newline
    public void ErrorsNameTheLineWhereTheRowStarts(string content, long line)
    {
        using var tmp = new TempDir();
        var path = tmp.File("l.csv");
        File.WriteAllText(path, content);
        AssertDataError(() => CsvDatasetReader.Read(path), path, line, "line");
    }

    [Fact]
    public void ItemNamesCountBlankLinesAndCrlf()
    {
        using var tmp = new TempDir();
        var path = tmp.File("n.csv");
        File.WriteAllText(path, "\r\nlabel,a\r\n0,0.1\r\n\r\n1,-2.5e-3\r\n1,\" 7 \"");
        using var ds = CsvDatasetReader.Read(path);
        Assert.Equal(new[] { "n.csv:3", "n.csv:5", "n.csv:6" }, ds.ItemNames);
        Assert.Equal(new[] { (float)0.1, (float)-2.5e-3, 7f }, ds.Features.data<float>().ToArray());
    }
}
