using TripletSharp.Cli;

namespace TripletSharp.Tests.Cli;

/// <summary>Runs the <c>triplet</c> root command in-process with captured output.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args) => Run(default, args);

    public static (int Code, string Out, string Err) Run(CancellationToken token, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e, token, handleSignals: false);
        return (code, o.ToString(), e.ToString());
    }
}
