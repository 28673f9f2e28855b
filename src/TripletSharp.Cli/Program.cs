namespace TripletSharp.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        // Before libtorch loads: OpenMP workers that spin for long take the cores the loss kernels need (README,
        // "Threads and OpenMP"); a GOMP_SPINCOUNT or OMP_WAIT_POLICY in the environment wins.
        OpenMpWaiting.ShortenSpin();
        // Freed tensor memory stays in glibc's heap instead of being unmapped and faulted in again on every step
        // (README, "Threads and OpenMP"); a GLIBC_TUNABLES malloc setting in the environment wins.
        NativeMemoryReuse.KeepFreedMemory();
        return CliApp.Run(args);
    }
}
