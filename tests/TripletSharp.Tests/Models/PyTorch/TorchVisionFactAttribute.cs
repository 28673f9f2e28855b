using System.Diagnostics;

namespace TripletSharp.Tests.Models.PyTorch;

/// <summary>A test that needs Debian's python3-torchvision (/usr/bin/python3 importing torchvision); skipped without it, except under CI=true where it fails.</summary>
public sealed class TorchVisionFactAttribute : FactAttribute
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> Available = new(() =>
    {
        if (!File.Exists(Python)) return false;
        try
        {
            using var p = Process.Start(new ProcessStartInfo(Python, ["-c", "import torchvision"]) { RedirectStandardError = true, RedirectStandardOutput = true });
            if (p is null) return false;
            p.WaitForExit(60_000);
            return p.HasExited && p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    public TorchVisionFactAttribute()
    {
        if (!Available.Value && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Skip = $"{Python} cannot import torchvision. Install the Debian package: apt-get install -y python3-torchvision (torch 1.13, torchvision 0.14). Under CI=true this test fails instead.";
    }
}
