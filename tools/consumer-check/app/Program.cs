// The consumer-app check (tools/consumer-check/run.sh): exit 0 only when the package trains, evaluates and embeds
// from a fresh app, and a hand-written loop over its miner and loss lowers the loss.
if (args is ["--load-only", var csv])
{
    // Built with -p:TripletSharpPatchLibTorchSharp=false: libtorch loads (a new enough libstdc++), or TripletSharp
    // names the GLIBCXX problem and the fix; TorchSharp's misleading "doesn't contain a reference to
    // libtorch-cpu-linux-x64" must never reach the user.
    try
    {
        using var data = TripletSharp.Data.CsvDatasetReader.Read(csv);
        Console.WriteLine($"unpatched build: libtorch loaded on this system ({data.Count} rows read)");
        return 0;
    }
    catch (TripletSharp.NativeLibraryException e) when (e.Message.Contains("GLIBCXX_3.4.32") && e.Message.Contains("TripletSharp package"))
    {
        Console.WriteLine($"unpatched build: {e.Message}");
        return 0;
    }
}

var runDirectory = Path.Combine(Path.GetTempPath(), $"tripletsharp-consumer-run-{Environment.ProcessId}");
bool full = Environment.GetEnvironmentVariable("CONSUMER_CHECK_FULL") == "1";
try
{
    double p1 = ReadmeSnippet.Run(runDirectory, full);
    Console.WriteLine($"readme snippet: precision_at_1 {p1:F4}");
    double minP1 = full ? 0.85 : 0.30;   // chance is 0.10 on ten classes
    if (!(p1 >= minP1)) { Console.Error.WriteLine($"FAIL: precision_at_1 {p1:F4} < {minP1}"); return 1; }

    var losses = PmlLoop.Run(steps: 12);
    double first = losses.Take(3).Average(), last = losses.TakeLast(3).Average();
    Console.WriteLine($"pml loop: mean loss of the first 3 steps {first:F4}, of the last 3 {last:F4}");
    if (!(last < first)) { Console.Error.WriteLine("FAIL: the loss did not decrease"); return 1; }
    Console.WriteLine("consumer check: OK");
    return 0;
}
finally
{
    if (Directory.Exists(runDirectory)) Directory.Delete(runDirectory, recursive: true);
}
