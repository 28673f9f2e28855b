namespace TripletSharp.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        // Before libtorch loads: OpenMP workers that spin for long take the cores the loss kernels need (README,
        // "Threads and OpenMP"); a GOMP_SPINCOUNT or OMP_WAIT_POLICY in the environment wins.
        OpenMpWaiting.ShortenSpin();
        return CliApp.Run(args);
    }
}
