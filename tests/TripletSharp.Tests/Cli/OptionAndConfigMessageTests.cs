using System.Text.Json.Nodes;
using SkiaSharp;
using TripletSharp.Cli;
using TripletSharp.Models;
using TripletSharp.Tests.Models;
using TripletSharp.Training;

namespace TripletSharp.Tests.Cli;

/// <summary>Options refused before any work, and messages that name the option or the config field at fault (issue 15, items 6, 14, 15).</summary>
[Collection(InProcessTrainingCollection.Name)]
public class OptionAndConfigMessageTests
{
    [Theory]
    [InlineData("--report-tsne-iterations", "0", "--tsne-iterations")]
    [InlineData("--tsne-iterations", "-3", "--tsne-iterations")]
    [InlineData("--test-fraction", "1.5", "--test-fraction")]
    [InlineData("--image-size", "2000", "--image-size")]
    public void AnOptionIsRefusedBeforeAnyWork(string option, string value, string named)
    {
        using var dir = new TestFolder();
        var run = dir["run"];
        var (code, _, err) = CliRunner.Run("train", "--out", run, option, value, "--progress", "quiet");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(named, err);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void AnImageSizeTooSmallForTheConvnetNamesTheOption()
    {
        using var dir = new TestFolder();
        for (int c = 0; c < 2; c++)
        {
            Directory.CreateDirectory(dir[$"c{c}"]);
            for (int i = 0; i < 10; i++)
            {
                using var bmp = new SKBitmap(8, 8);
                bmp.Erase(new SKColor((byte)(c * 100 + i), 0, 0));
                File.WriteAllBytes(dir[$"c{c}/{i}.png"], bmp.Encode(SKEncodedImageFormat.Png, 100).ToArray());
            }
        }
        var (code, _, err) = CliRunner.Run("train", "--data", dir.Path, "--out", dir["run"], "--image-size", "3", "--classes-per-batch", "2", "--samples-per-class", "2", "--progress", "quiet");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--image-size", err);
        Assert.Contains("at least 4×4", err);
        Assert.DoesNotContain("'height'", err);
    }

    [Theory]
    [InlineData("margin", "-1", "trainer.margin")]
    [InlineData("miner", null, "trainer.miner")]
    [InlineData("epochs", "0", "trainer.epochs")]
    public void ATamperedConfigIsBlamedOnTheFileAndField(string field, string? value, string named)
    {
        using var dir = new TestFolder();
        var path = dir["config.json"];
        var node = JsonNode.Parse(new RunConfig { Trainer = new TrainerOptions() }.ToJson())!;
        node["trainer"]![field] = value is null ? null : JsonNode.Parse(value);
        File.WriteAllText(path, node.ToJsonString());
        var e = Assert.Throws<ModelFormatException>(() => RunConfig.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains($"field '{named}'", e.Message);
        Assert.Equal(path, e.FilePath);
    }
}
