namespace TripletSharp.Cli;

/// <summary>Where a command writes and what stops it; lets tests run commands in-process with captured output.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Err, bool IsTerminal, CancellationToken CancellationToken, bool HandleSignals);
