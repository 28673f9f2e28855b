using System.Diagnostics;
using System.Text;
using SkiaSharp;
using TripletSharp.Cli;
using TripletSharp.Data;
using static TripletSharp.Tests.Data.DataTestFiles;

namespace TripletSharp.Tests.Data;

/// <summary>Issue 15, items 16–18 and 20: a single image as data, eval on one class, a full standard output, a Latin-1 CSV, a FIFO named like a CSV.</summary>
public class DataEdgeTests
{
    [Fact]
    public void ASinglePngGivenAsDataIsDetectedByContent_EvenWithAnotherName()
    {
        using var tmp = new TempDir();
        var png = tmp.File("photo.csv");
        File.WriteAllBytes(png, Png(4, 4, (x, y) => SKColors.Red));
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.DetectFormat(png));
        Assert.Contains("single PNG image, not a dataset", e.Message);
        var jpeg = tmp.File("p.jpg");
        File.WriteAllBytes(jpeg, Jpeg(4, 4, (x, y) => SKColors.Blue));
        Assert.Contains("single JPEG image", Assert.Throws<DataFormatException>(() => DatasetLoader.LoadAll(new DataOptions { Path = jpeg })).Message);
    }

    [Fact]
    public void TheTestPartOfAOneClassFolderSaysWhatEvalNeeds()
    {
        using var tmp = new TempDir();
        for (int i = 0; i < 4; i++) File.WriteAllBytes(tmp.File(tmp.Dir("only"), $"{i}.png"), Png(4, 4, (x, y) => new SKColor((byte)i, 0, 0)));
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.LoadTest(new DataOptions { Path = tmp.Path, ImageSize = 4 }));
        Assert.Contains("--split all", e.Message);
        Assert.DoesNotContain("triplet training needs", e.Message);
        using var all = DatasetLoader.LoadAll(new DataOptions { Path = tmp.Path, ImageSize = 4 });
        Assert.Equal(4, all.Count);
    }

    [Fact]
    public void AFullStandardOutputDoesNotSpeakOfACheckpoint()
    {
        var stdout = ErrorReporter.Classify(new IOException("No space left on device"));
        Assert.Contains("the disk is full)", stdout.Message);
        Assert.DoesNotContain("checkpoint", stdout.Message);
        var write = new IOException("No space left on device : '/r/history.csv'");
        write.Data[TripletSharp.AtomicFile.FailedWriteKey] = "/r/history.csv";
        Assert.Contains("the previous checkpoint is intact", ErrorReporter.Classify(write).Message);
    }

    [Fact]
    public void ALatin1CsvIsRefusedNamingTheLineAndTheEncodingToUse()
    {
        using var tmp = new TempDir();
        var csv = tmp.File("latin1.csv");
        File.WriteAllBytes(csv, Encoding.Latin1.GetBytes("label,a\ncafé,1\nthé,2\n"));
        var e = AssertDataError(() => CsvDatasetReader.Read(csv), csv, 2, "line");
        Assert.Contains("not valid UTF-8", e.Message);
        Assert.Contains("iconv", e.Message);
        File.WriteAllText(csv, "label,a\ncafé,1\nthé,2\n", new UTF8Encoding(false));
        using var ok = CsvDatasetReader.Read(csv);
        Assert.Equal(new[] { "café", "thé" }, ok.ClassNames);
    }

    [Fact]
    public async Task AFifoGivenAsACsvIsRefusedWithoutHanging()
    {
        if (OperatingSystem.IsWindows()) return;
        using var tmp = new TempDir();
        var fifo = tmp.File("data.csv");
        using (var p = Process.Start(new ProcessStartInfo("mkfifo", fifo) { UseShellExecute = false })!) p.WaitForExit();
        if (!File.Exists(fifo)) return;
        var task = Task.Run(() => CsvDatasetReader.Read(fifo).Dispose());
        Assert.True(await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(30))) == task, "the CSV reader hung on a FIFO");
        var e = await Assert.ThrowsAsync<DataFormatException>(() => task);
        Assert.Contains(fifo, e.Message);
    }
}
