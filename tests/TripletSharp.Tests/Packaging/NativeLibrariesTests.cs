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
}
