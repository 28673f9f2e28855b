namespace TripletSharp.Cli;

/// <summary>Exit codes of the <c>triplet</c> command (documented in the README).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Data = 3;
    public const int Model = 4;
    public const int NonFiniteLoss = 5;
    public const int Io = 6;
    public const int NativeLibrary = 7;
    public const int Interrupted = 130;
    public const int Terminated = 143;
}
