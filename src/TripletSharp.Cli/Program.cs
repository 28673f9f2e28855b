namespace TripletSharp.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Error.WriteLine("triplet: no commands yet.");
        return 1;
    }
}
