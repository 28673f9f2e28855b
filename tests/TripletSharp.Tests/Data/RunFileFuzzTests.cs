using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using SkiaSharp;
using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using TripletSharp.Training;
using Xunit.Abstractions;
using static TripletSharp.Tests.Data.DataTestFiles;

namespace TripletSharp.Tests.Data;

/// <summary>
/// Fuzzing of what a user may hand-edit or build oddly (issue 15): field mutations of <c>checkpoint.json</c> and
/// <c>config.json</c>, folder trees with directory links, links to devices, FIFOs, empty and oversized files and the
/// tool's own outputs, and pairs files. The only outcomes allowed are success or the reader's typed error
/// (<see cref="ModelFormatException"/> for run files, <see cref="DataFormatException"/> for data); anything else, or a
/// case running past its time limit, fails. TRIPLETSHARP_FUZZ_CASES sets the cases per fuzzer (defaults: checkpoint
/// 600, config 600, folder trees 120, pairs 1000).
/// </summary>
public class RunFileFuzzTests
{
    private readonly ITestOutputHelper _output;

    public RunFileFuzzTests(ITestOutputHelper output) => _output = output;

    private static int Cases(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("TRIPLETSHARP_FUZZ_CASES"), out int n) && n > 0 ? n : fallback;

    private static readonly JsonNode?[] Values =
    [
        null, JsonValue.Create(-1), JsonValue.Create(0), JsonValue.Create(1), JsonValue.Create(99), JsonValue.Create(-100),
        JsonValue.Create(9999), JsonValue.Create(1e308), JsonValue.Create(-0.5), JsonValue.Create("NaN"), JsonValue.Create("Infinity"),
        JsonValue.Create("x"), JsonValue.Create(""), JsonValue.Create(true), new JsonArray(), new JsonObject(), JsonValue.Create(long.MaxValue),
        JsonValue.Create("../../etc/passwd"), new JsonArray(JsonValue.Create(1), null),
    ];

    private static JsonNode? Pick(Random rng) => Values[rng.Next(Values.Length)]?.DeepClone();

    /// <summary>Sets 1–3 random fields (top level or one level down) of <paramref name="root"/> to odd values, or removes them.</summary>
    private static string Mutate(JsonObject root, Random rng)
    {
        var changes = new List<string>();
        int n = 1 + rng.Next(3);
        for (int i = 0; i < n; i++)
        {
            JsonObject target = root;
            var keys = target.Select(kv => kv.Key).ToArray();
            var key = keys[rng.Next(keys.Length)];
            if (target[key] is JsonObject inner && inner.Count > 0 && rng.Next(2) == 0)
            {
                target = inner;
                keys = target.Select(kv => kv.Key).ToArray();
                key = keys[rng.Next(keys.Length)];
            }
            if (rng.Next(8) == 0) { target.Remove(key); changes.Add($"-{key}"); continue; }
            var v = Pick(rng);
            target[key] = v;
            changes.Add($"{key}={v?.ToJsonString() ?? "null"}");
        }
        return string.Join(" ", changes);
    }

    private void Run<TAllowed>(string name, int cases, Func<Random, string, (string Description, Action Check)> fuzzCase, TimeSpan perCase) where TAllowed : Exception
    {
        using var tmp = new TempDir(inMemory: true);
        int ok = 0, rejected = 0;
        var failures = new List<string>();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < cases; i++)
        {
            var rng = new Random(7919 * i + name.Length);
            var folder = Path.Combine(tmp.Path, i.ToString());
            Directory.CreateDirectory(folder);
            var (description, check) = fuzzCase(rng, folder);
            var task = Task.Run(check);
            try
            {
                if (!task.Wait(perCase)) { failures.Add($"case {i} ({description}): still running after {perCase.TotalSeconds} s"); break; }
                ok++;
            }
            catch (AggregateException a) when (a.InnerException is TAllowed)
            {
                rejected++;
            }
            catch (AggregateException a)
            {
                failures.Add($"case {i} ({description}): {a.InnerException!.GetType().Name}: {a.InnerException.Message}");
            }
        }
        _output.WriteLine($"{name}: {cases} cases, {ok} accepted, {rejected} refused with {typeof(TAllowed).Name}, {sw.Elapsed.TotalSeconds:0.0} s");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }

    [Fact]
    public void CheckpointFieldMutationsAreAcceptedOrAModelError() => Run<ModelFormatException>("checkpoint.json", Cases(600), (rng, folder) =>
    {
        var good = new Checkpoint
        {
            Epoch = 1, NextBatch = 2, GlobalStep = 6, EpochLossSum = 0.8, EpochTriplets = 100, EpochActive = 40, EpochTrainSeconds = 0.5,
            BestEpoch = 1, BestScore = 0.4, DataFingerprint = "abc",
            BestMetrics = RetrievalMetrics.FromJson("{\"precision_at_1\": 0.5, \"r_precision\": 0.4, \"map_at_r\": 0.3}"),
            History = [new EpochRecord { Epoch = 1, Loss = 0.3, ActiveFraction = 0.5 }],
        };
        good.Save(folder, [1, 2, 3], [4, 5]);
        var path = Path.Combine(folder, Checkpoint.FileName);
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var description = Mutate(root, rng);
        File.WriteAllText(path, root.ToJsonString());
        return (description, () => Checkpoint.Load(folder).State.Validate(path, 3, 4));
    }, TimeSpan.FromSeconds(10));

    [Fact]
    public void ConfigFieldMutationsAreAcceptedOrAModelError() => Run<ModelFormatException>("config.json", Cases(600), (rng, folder) =>
    {
        var path = Path.Combine(folder, "config.json");
        var root = JsonNode.Parse(new RunConfig { Trainer = new TrainerOptions { Threads = 2, BatchesPerEpoch = 4 }, Data = new DataOptions { Path = "/d" } }.ToJson())!.AsObject();
        var description = Mutate(root, rng);
        File.WriteAllText(path, root.ToJsonString());
        return (description, () => RunConfig.Load(path));
    }, TimeSpan.FromSeconds(10));

    [Fact]
    public void PairsFilesAreReadOrADataError() => Run<DataFormatException>("pairs", Cases(1000), (rng, folder) =>
    {
        string[] fields = ["a.png", "c0/b.png", "\"q,x.png\"", "", " ", "1", "0", "true", "no", "maybe", "same", "\"", "\"\"", "#x", "é", "path1"];
        var sb = new StringBuilder();
        int lines = rng.Next(5);
        for (int l = 0; l < lines; l++)
        {
            // Mostly well-formed pairs with one field mutated now and then, so that both outcomes are exercised.
            var line = rng.Next(10) < 7
                ? new[] { fields[rng.Next(3)], fields[rng.Next(3)], rng.Next(2) == 0 ? "1" : "no" }
                : Enumerable.Range(0, rng.Next(5)).Select(_ => fields[rng.Next(fields.Length)]).ToArray();
            if (line.Length == 3 && rng.Next(5) == 0) line[rng.Next(3)] = fields[rng.Next(fields.Length)];
            sb.Append(string.Join(",", line));
            sb.Append(rng.Next(4) == 0 ? "\r\n" : "\n");
        }
        var path = Path.Combine(folder, "pairs.csv");
        File.WriteAllText(path, sb.ToString());
        return (sb.ToString().Replace("\n", "⏎"), () => PairsFile.Read(path));
    }, TimeSpan.FromSeconds(5));

    [Fact]
    public void FolderTreesWithLinksSpecialFilesAndOutputsAreReadOrADataError() => Run<DataFormatException>("folder trees", Cases(120), (rng, root) =>
    {
        var parts = new List<string>();
        var png = Png(4, 4, (x, y) => new SKColor((byte)(x * 50), (byte)(y * 50), 9));
        int classes = 1 + rng.Next(3);
        for (int c = 0; c < classes; c++)
        {
            var dir = Path.Combine(root, $"c{c}");
            Directory.CreateDirectory(dir);
            for (int i = 0; i < 1 + rng.Next(3); i++) File.WriteAllBytes(Path.Combine(dir, $"{i}.png"), png);
        }
        string Anywhere() => rng.Next(3) == 0 ? root : Path.Combine(root, $"c{rng.Next(classes)}");
        int extras = rng.Next(4);
        for (int e = 0; e < extras; e++)
        {
            var at = Anywhere();
            switch (rng.Next(9))
            {
                case 0: Directory.CreateSymbolicLink(Path.Combine(at, $"self{e}"), "."); parts.Add("self link"); break;
                case 1: Directory.CreateSymbolicLink(Path.Combine(at, $"up{e}"), ".."); parts.Add("parent link"); break;
                case 2: Directory.CreateSymbolicLink(Path.Combine(at, $"root{e}"), root); parts.Add("root link"); break;
                case 3: if (File.Exists("/dev/zero")) { File.CreateSymbolicLink(Path.Combine(at, $"zero{e}.png"), "/dev/zero"); parts.Add("/dev/zero link"); } break;
                case 4: File.WriteAllBytes(Path.Combine(at, $"empty{e}.png"), []); parts.Add("empty file"); break;
                case 5: using (var f = File.Create(Path.Combine(at, $"huge{e}.jpg"))) f.SetLength(ImageFolderReader.MaxImageBytes + 1); parts.Add("oversized file"); break;
                case 6:
                {
                    var run = Path.Combine(at, "runs", $"r{e}");
                    Directory.CreateDirectory(Path.Combine(run, "checkpoint"));
                    File.WriteAllText(Path.Combine(run, "config.json"), "{}");
                    Directory.CreateDirectory(Path.Combine(run, "model"));
                    File.WriteAllBytes(Path.Combine(run, "model", "x.png"), png);
                    parts.Add("run folder");
                    break;
                }
                case 7:
                {
                    var proj = Path.Combine(at, $"proj{e}");
                    Directory.CreateDirectory(proj);
                    File.WriteAllBytes(Path.Combine(proj, "sprite.png"), png);
                    File.WriteAllText(Path.Combine(proj, "projector_config.pbtxt"), "");
                    parts.Add("projector folder");
                    break;
                }
                default:
                    if (!OperatingSystem.IsWindows() && rng.Next(3) == 0)
                    {
                        using var p = Process.Start(new ProcessStartInfo("mkfifo", Path.Combine(at, $"pipe{e}.png")) { UseShellExecute = false })!;
                        p.WaitForExit();
                        parts.Add("FIFO");
                    }
                    break;
            }
        }
        return (string.Join(", ", parts), () =>
        {
            using var all = DatasetLoader.LoadAll(new DataOptions { Path = root, ImageSize = 4 });
            Assert.Equal(all.ItemNames!.Count, all.ItemNames!.Distinct().Count());
        });
    }, TimeSpan.FromSeconds(20));
}
