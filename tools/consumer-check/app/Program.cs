// The consumer-app check (tools/consumer-check/run.sh): exit 0 only when the package trains, evaluates and embeds
// from a fresh app, and a hand-written loop over its miner and loss lowers the loss.
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
