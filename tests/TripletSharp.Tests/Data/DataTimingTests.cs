using System.Diagnostics;
using TripletSharp.Data;
using Xunit.Abstractions;

namespace TripletSharp.Tests.Data;

[Collection(DataTimingCollection.Name)]
public class DataTimingTests
{
    private const string FullFashionMnist = "/usr/share/datasets/fashion-mnist";
    private readonly ITestOutputHelper _output;

    public DataTimingTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void FullFashionMnistLoadsFast()
    {
        if (!File.Exists(Path.Combine(FullFashionMnist, "train-images-idx3-ubyte.gz")))
        {
            _output.WriteLine($"{FullFashionMnist} is not installed; nothing to check.");
            return;
        }
        var sw = Stopwatch.StartNew();
        using var split = DatasetLoader.Load(new DataOptions { Path = FullFashionMnist });
        sw.Stop();
        _output.WriteLine($"70,000 images in {sw.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(60_000, split.Train.Count);
        Assert.Equal(10_000, split.Test.Count);
        Assert.Equal(FashionMnist.ClassNames, split.Train.ClassNames);
        Assert.Equal(new long[] { 60_000, 1, 28, 28 }, split.Train.Features.shape);
        // The target is < 2 s; the bound leaves room for a machine shared with other builds.
        Assert.True(sw.Elapsed.TotalSeconds < 5, $"took {sw.Elapsed.TotalSeconds:F2} s");
    }
}
