using System.Text;
using TripletSharp.Engine;

namespace TripletSharp.Tests.Packaging;

public class NativeLibrariesTests
{
    private static readonly string CacheShim = Path.Combine(
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
        "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [Fact]
    public void TheOutputCopyIsPatchedAndTheCacheCopyIsNot()
    {
        if (!OperatingSystem.IsLinux()) return;
        var shim = NativeLibraries.FindShim();
        Assert.NotNull(shim);
        Assert.Equal(NativeLibraries.GlibcxxRequirementKind.Weak, NativeLibraries.GlibcxxRequirement(shim!));
        if (File.Exists(CacheShim))
            Assert.Equal(NativeLibraries.GlibcxxRequirementKind.Strong, NativeLibraries.GlibcxxRequirement(CacheShim));
    }

    [Fact]
    public void NotAnElfFileIsNoRequirementAndNoException()
    {
        using var tmp = new TripletSharp.Tests.Data.TempDir();
        var path = tmp.File("x.so");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("\x7f" + "ELF garbage that is not a real header at all, padded to be long enough ......"));
        Assert.Equal(NativeLibraries.GlibcxxRequirementKind.None, NativeLibraries.GlibcxxRequirement(path));
        Assert.Equal(NativeLibraries.GlibcxxRequirementKind.None, NativeLibraries.GlibcxxRequirement(tmp.File("missing.so")));
    }

    [Fact]
    public void NewestGlibcxxIsOrderedNumerically()
    {
        var bytes = Encoding.ASCII.GetBytes("\0GLIBCXX_3.4\0GLIBCXX_3.4.9\0GLIBCXX_3.4.30\0GLIBCXX_3.4.4\0GLIBCXX_3.4.31x\0CXXABI_1.3\0");
        Assert.Equal("GLIBCXX_3.4.30", NativeLibraries.NewestGlibcxx(bytes));
        Assert.Null(NativeLibraries.NewestGlibcxx(Encoding.ASCII.GetBytes("nothing here")));
        Assert.True(NativeLibraries.CompareGlibcxx("GLIBCXX_3.4.32", "GLIBCXX_3.4.30") > 0);
        Assert.True(NativeLibraries.CompareGlibcxx("GLIBCXX_3.4.9", "GLIBCXX_3.4.30") < 0);
    }

    [Fact]
    public void TheSystemLibStdCxxIsFoundWithItsVersion()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (path, newest) = NativeLibraries.SystemLibStdCxx();
        Assert.NotNull(path);
        Assert.StartsWith("GLIBCXX_3.4.", newest);
    }

    [Fact]
    public void TheGlibcxxMessageNamesTheVersionsAndTheFixes()
    {
        var m = NativeLibraries.GlibcxxMessage("/app/libLibTorchSharp.so", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", "GLIBCXX_3.4.30");
        Assert.Contains("/app/libLibTorchSharp.so requires GLIBCXX_3.4.32", m);
        Assert.Contains("provides only up to GLIBCXX_3.4.30", m);
        Assert.Contains("TripletSharp package", m);
        Assert.Contains("GCC 13", m);
        Assert.DoesNotContain("libtorch-cpu-linux-x64", m);
    }

    [Fact]
    public void EnsureLoadedLoadsTorchAndIsIdempotent()
    {
        NativeLibraries.EnsureLoaded();
        NativeLibraries.EnsureLoaded();
        using var t = TorchSharp.torch.ones(3);
        Assert.Equal(3f, t.sum().item<float>());
    }

    [Fact]
    public void LoadingTurnsNnpackOff_AndConvolutionsStillAgreeWithADoubleLoop()
    {
        if (!OperatingSystem.IsLinux()) return;
        NativeLibraries.EnsureLoaded();
        Assert.False(NativeLibraries.NnpackEnabled());
        // One 1×4×4 item through a 2×1×3×3 convolution (the small float32 call that NNPACK used to be asked for).
        var x = Enumerable.Range(0, 16).Select(i => (float)Math.Sin(i)).ToArray();
        var w = Enumerable.Range(0, 18).Select(i => (float)Math.Cos(i * 0.7)).ToArray();
        using var y = TorchSharp.torch.nn.functional.conv2d(TorchSharp.torch.tensor(x, [1, 1, 4, 4]), TorchSharp.torch.tensor(w, [2, 1, 3, 3]), null, padding: [1, 1]);
        var got = y.data<float>().ToArray();
        for (int o = 0; o < 2; o++)
            for (int r = 0; r < 4; r++)
                for (int c = 0; c < 4; c++)
                {
                    double want = 0;
                    for (int i = 0; i < 3; i++)
                        for (int j = 0; j < 3; j++)
                        {
                            int rr = r + i - 1, cc = c + j - 1;
                            if (rr >= 0 && rr < 4 && cc >= 0 && cc < 4) want += (double)x[rr * 4 + cc] * w[o * 9 + i * 3 + j];
                        }
                    Assert.Equal(want, got[o * 16 + r * 4 + c], 5);
                }
    }
}
