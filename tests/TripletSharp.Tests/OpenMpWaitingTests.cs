using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Tests;

public class OpenMpWaitingTests
{
    [Fact]
    public void ShortenSpin_LeavesTheEnvironmentAloneOnceLibgompIsLoaded_AndRejectsANegativeCount()
    {
        NativeLibraries.EnsureLoaded();
        using (var scope = NewDisposeScope())
            _ = randn(256, 256).mm(randn(256, 256)); // a parallel torch operation: libtorch's OpenMP runtime is mapped by now
        Assert.True(OpenMpWaiting.RuntimeLoaded());
        var before = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT");
        Assert.False(OpenMpWaiting.ShortenSpin());
        Assert.Equal(before, Environment.GetEnvironmentVariable("GOMP_SPINCOUNT"));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => OpenMpWaiting.ShortenSpin(-1));
        Assert.Equal("spinCount", e.ParamName);
    }
}
