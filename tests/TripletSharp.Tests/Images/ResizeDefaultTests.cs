using System.Text.Json.Nodes;
using TripletSharp.Data;
using TripletSharp.Tests.Cli;
using TripletSharp.Tests.Data;
using TripletSharp.Tests.Models;
using TripletSharp.Training;

namespace TripletSharp.Tests.Images;

/// <summary>
/// Issue 13 §2: image folders are read shorter side then centre crop by default; <c>--resize stretch</c> still stretches;
/// a file written before the resize was recorded (no <c>resize</c> field) reads as stretch, so an old run resumes.
/// </summary>
[Collection(InProcessTrainingCollection.Name)]
public class ResizeDefaultTests
{
    /// <summary>The colour of <see cref="ImagePipelineTests.WriteFolder"/>'s image <paramref name="i"/> of class <paramref name="c"/> at (x, y), as in that writer.</summary>
    private static (int R, int G, int B) Pattern(int c, int i, int x, int y) =>
        ((x * 23 + c * 60 + i * 7) % 256, (y * 31 + c * 50 + c * 6 + i) % 256, (x * y * 5 + c * 70) % 256);

    [Fact]
    public void DefaultOptions_CropANonSquareImage_StretchStillStretches()
    {
        using var tmp = new TempDir();
        ImagePipelineTests.WriteFolder(tmp.Path); // 10×8 images
        Assert.Equal(ImageResize.Crop, new DataOptions().Resize);
        var options = new DataOptions { Path = tmp.Path, ImageSize = 8, Grayscale = false, TestFraction = 0.34, Seed = 1 };
        using var split = DatasetLoader.Load(options);
        // Reference: the centred 8×8 square of a 10×8 image is columns 1..8, at its own size (no resampling): pixel copies.
        int checkedItems = 0;
        foreach (var part in new[] { split.Train, split.Test })
        {
            var values = part.Features.data<float>().ToArray();
            for (int n = 0; n < part.Count; n++)
            {
                var name = part.ItemNames![n]; // "classC/imgI.png"
                int c = name[5] - '0', i = name[name.IndexOf("img", StringComparison.Ordinal) + 3] - '0';
                for (int y = 0; y < 8; y++)
                    for (int x = 0; x < 8; x++)
                    {
                        var (r, g, b) = Pattern(c, i, x + 1, y);
                        int at = n * 3 * 64 + y * 8 + x;
                        Assert.Equal(r / 255f, values[at]);
                        Assert.Equal(g / 255f, values[at + 64]);
                        Assert.Equal(b / 255f, values[at + 128]);
                    }
                checkedItems++;
            }
        }
        Assert.Equal(24, checkedItems);

        // Stretch on request: every item equals the stretched decode of its file, and differs from the crop.
        using var stretched = DatasetLoader.Load(options with { Resize = ImageResize.Stretch });
        var one = new float[3 * 8 * 8];
        ImageFolderReader.Decode(Path.Combine(tmp.Path, stretched.Train.ItemNames![0]), 8, false, ImageResize.Stretch, one);
        Assert.Equal(one, stretched.Train.Features[0].data<float>().ToArray());
        Assert.NotEqual(split.Train.Features[0].data<float>().ToArray(), one);
    }

    [Fact]
    public void FilesWithoutAResizeField_ReadAsStretch_FilesWithOneKeepIt()
    {
        using var tmp = new TempDir();
        // config.json and model.json data records written before the field existed.
        var old = new JsonObject { ["image_size"] = 8, ["grayscale"] = false };
        Assert.Equal(ImageResize.Stretch, ImageBytes.RecordedResize(old.ToJsonString()));
        Assert.Equal(ImageResize.Stretch, ImageBytes.RecordedResize(null));
        var config = new RunConfig { Data = new DataOptions { Path = tmp.Path, ImageSize = 8 } };
        Assert.Equal(ImageResize.Crop, config.Data.Resize);
        var node = JsonNode.Parse(config.ToJson())!;
        Assert.Equal("crop", (string)node["data"]!["resize"]!);
        File.WriteAllText(tmp.File("new.json"), node.ToJsonString());
        Assert.Equal(config.Data, RunConfig.Load(tmp.File("new.json")).Data); // a round trip keeps crop, and equal records
        ((JsonObject)node["data"]!).Remove("resize");
        File.WriteAllText(tmp.File("old.json"), node.ToJsonString());
        var loaded = RunConfig.Load(tmp.File("old.json"));
        Assert.Equal(ImageResize.Stretch, loaded.Data.Resize);
        Assert.Equal(config.Data with { Resize = ImageResize.Stretch }, loaded.Data);
        // Stretch written explicitly stays stretch; a merge for resume without --resize keeps the saved value.
        Assert.Equal(ImageResize.Stretch, ImageBytes.RecordedResize(new JsonObject { ["resize"] = "stretch" }.ToJsonString()));
        Assert.Equal(ImageResize.Stretch, ResumeMerge.Merge(loaded, new TrainerOptions(), new DataOptions(), ["Epochs"]).Data.Resize);
    }

    [Fact]
    public void Cli_DefaultRecordsCrop_ResizeStretchWorks_AnOldRunResumes()
    {
        using var tmp = new TempDir();
        ImagePipelineTests.WriteFolder(tmp.Path);
        using var dir = new TestFolder();
        string[] Args(string run, params string[] extra) => ["train", "--data", tmp.Path, "--image-size", "8", "--color", "--model", "mlp", "--hidden-sizes", "8",
            "--embedding-dim", "4", "--epochs", "1", "--batches-per-epoch", "2", "--classes-per-batch", "2", "--samples-per-class", "2",
            "--test-fraction", "0.34", "--threads", "1", "--no-report", "--progress", "quiet", "--out", dir[run], .. extra];
        var (code, _, err) = CliRunner.Run(Args("crop"));
        Assert.True(code == 0, err);
        Assert.Equal("crop", (string)JsonNode.Parse(File.ReadAllText(dir["crop/config.json"]))!["data"]!["resize"]!);
        Assert.Equal("crop", (string)JsonNode.Parse(File.ReadAllText(dir["crop/model/model.json"]))!["input"]!["data"]!["resize"]!);

        (code, _, err) = CliRunner.Run(Args("old", "--resize", "stretch"));
        Assert.True(code == 0, err);
        Assert.Equal("stretch", (string)JsonNode.Parse(File.ReadAllText(dir["old/config.json"]))!["data"]!["resize"]!);
        // Make it a run of before the field: its config.json has no "resize". The resume reads the data as it was trained
        // (stretched: the checkpoint's content fingerprint would refuse cropped images) and finds the run complete.
        var config = JsonNode.Parse(File.ReadAllText(dir["old/config.json"]))!;
        ((JsonObject)config["data"]!).Remove("resize");
        File.WriteAllText(dir["old/config.json"], config.ToJsonString());
        (code, var output, err) = CliRunner.Run("train", "--out", dir["old"], "--resume", "--no-report", "--progress", "quiet");
        Assert.True(code == 0, err);
        Assert.Contains("done: best epoch 1", output);
        // Asking an old (stretched) run for crop is a different run: refused, naming the option.
        (code, _, err) = CliRunner.Run("train", "--out", dir["old"], "--resume", "--resize", "crop", "--no-report", "--progress", "quiet");
        Assert.NotEqual(0, code);
        Assert.Contains("--resize is crop, but the run", err);
    }
}
