using TripletSharp.Data;

namespace TripletSharp.Tests.Data;

public class PairsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pairs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ReadsPairsHeaderCommentsAndQuotes()
    {
        var path = Write("path1,path2,same\n# comment\n\na/1.png, b/2.png ,1\n\"c,3.png\",\"d \"\"x\"\".png\",FALSE\ne.png,f.png,yes\n");
        var pairs = PairsFile.Read(path);
        Assert.Equal(new[] { ("a/1.png", "b/2.png", true), ("c,3.png", "d \"x\".png", false), ("e.png", "f.png", true) }, pairs);
    }

    [Theory]
    [InlineData("a.png,b.png,1\nc.png,d.png\n", 2, "expected 3")]
    [InlineData("a.png,b.png,1\nc.png,d.png,maybe\n", 2, "'same'")]
    [InlineData("a.png,b.png,1\n\n,d.png,0\n", 3, "empty path")]
    [InlineData("\"a.png,b.png,1\n", 1, "unterminated")]
    [InlineData("a.png,b.png,1,2\n", 1, "expected 3")]
    public void MalformedLinesNameTheFileAndLine(string text, long line, string problem)
    {
        var path = Write(text);
        var e = Assert.Throws<DataFormatException>(() => PairsFile.Read(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(line, e.Record);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void EmptyAndMissingFiles()
    {
        Assert.Throws<DataFormatException>(() => PairsFile.Read(Write("path1,path2,same\n")));
        Assert.Throws<FileNotFoundException>(() => PairsFile.Read(Path.Combine(_dir, "none.csv")));
    }
}
