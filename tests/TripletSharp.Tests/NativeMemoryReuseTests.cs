namespace TripletSharp.Tests;

public class NativeMemoryReuseTests
{
    [Fact]
    public void KeepFreedMemory_SetsGlibcsThresholds_UnlessTheEnvironmentTunesMalloc()
    {
        if (!OperatingSystem.IsLinux()) { Assert.False(NativeMemoryReuse.KeepFreedMemory()); return; }
        var before = Environment.GetEnvironmentVariable("GLIBC_TUNABLES");
        try
        {
            // The user's own allocator tuning wins: nothing is set.
            Environment.SetEnvironmentVariable("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=4096");
            Assert.False(NativeMemoryReuse.KeepFreedMemory());
            // A tunable of something else does not count; glibc accepts both values (mallopt returns 1 for each).
            Environment.SetEnvironmentVariable("GLIBC_TUNABLES", "glibc.rtld.optional_static_tls=512");
            Assert.True(NativeMemoryReuse.KeepFreedMemory());
        }
        finally
        {
            Environment.SetEnvironmentVariable("GLIBC_TUNABLES", before);
        }
    }
}
