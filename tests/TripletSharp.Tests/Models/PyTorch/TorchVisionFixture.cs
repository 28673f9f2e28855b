using System.Diagnostics;

namespace TripletSharp.Tests.Models.PyTorch;

/// <summary>The files torchvision_fixture.py writes, generated once per test run into a temporary folder.</summary>
internal static class TorchVisionFixture
{
    private static readonly Lazy<string> Folder = new(Generate);

    /// <summary>The folder holding resnet18.pth, io.pth and keys.txt.</summary>
    public static string Directory => Folder.Value;

    private static string Generate()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ts-torchvision-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(dir);
        var script = Path.Combine(AppContext.BaseDirectory, "Models", "PyTorch", "torchvision_fixture.py");
        var info = new ProcessStartInfo(TorchVisionFactAttribute.Python, [script, dir]) { RedirectStandardError = true, RedirectStandardOutput = true };
        info.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(180_000)) { p.Kill(); throw new TimeoutException($"{script} ran for more than 3 minutes"); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{script} failed ({p.ExitCode}): {stderr.Result}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return dir;
    }
}
