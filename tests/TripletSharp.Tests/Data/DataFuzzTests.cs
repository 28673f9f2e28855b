using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using SkiaSharp;
using TripletSharp.Data;
using Xunit.Abstractions;
using static TripletSharp.Tests.Data.DataTestFiles;

namespace TripletSharp.Tests.Data;

/// <summary>
/// Fuzzing of the IDX, CSV and image-folder readers: seeded byte mutations, truncations and header edits of small
/// valid files. The only allowed outcomes are a successful read (a mutated file may still be valid) or a
/// <see cref="DataFormatException"/>; any other exception fails, and so does a hang (each reader has a time limit).
/// TRIPLETSHARP_FUZZ_CASES sets the number of cases per reader (defaults: IDX 1000, CSV 800, images 400).
/// </summary>
public class DataFuzzTests
{
    private const string CasesVariable = "TRIPLETSHARP_FUZZ_CASES";
    private readonly ITestOutputHelper _output;

    public DataFuzzTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void IdxReaderOnlyReadsOrRaisesDataFormatException() => Run("IDX", Cases(1000), 1, IdxCase);

    [Fact]
    public void CsvReaderOnlyReadsOrRaisesDataFormatException() => Run("CSV", Cases(800), 2, CsvCase);

    [Fact]
    public void ImageFolderReaderOnlyReadsOrRaisesDataFormatException() => Run("image folder", Cases(400), 3, ImageCase);

    private static int Cases(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(CasesVariable), out int n) && n > 0 ? n : fallback;

    /// <summary>Writes a mutated dataset into the folder and returns a description and the check to run on it.</summary>
    private delegate (string Description, Action Check) FuzzCase(Random rng, string folder);

    private void Run(string name, int cases, int seed, FuzzCase fuzzCase)
    {
        using var tmp = new TempDir(inMemory: true);
        int read = 0, rejected = 0;
        long readTicks = 0;
        var failures = new List<string>();
        var sw = Stopwatch.StartNew();
        var work = Task.Run(() =>
        {
            for (int i = 0; i < cases; i++)
            {
                var rng = new Random(seed * 1_000_003 + i);
                var folder = Path.Combine(tmp.Path, i.ToString());
                Directory.CreateDirectory(folder);
                var (description, check) = fuzzCase(rng, folder);
                long started = Stopwatch.GetTimestamp();
                try
                {
                    check();
                    read++;
                }
                catch (DataFormatException e)
                {
                    rejected++;
                    if (string.IsNullOrWhiteSpace(e.FilePath) || !e.Message.Contains(e.FilePath))
                        failures.Add($"case {i} ({description}): the message does not name the file: {e.Message}");
                }
                catch (Exception e)
                {
                    failures.Add($"case {i} ({description}): {e.GetType().FullName}: {e.Message}");
                }
                readTicks += Stopwatch.GetTimestamp() - started;
                Directory.Delete(folder, recursive: true);
            }
        });
        Assert.True(work.Wait(TimeSpan.FromMinutes(2)), $"{name} fuzzing did not finish in 2 minutes (a hang?)");
        _output.WriteLine($"{name}: {cases} cases in {sw.Elapsed.TotalSeconds:F1} s, {read} read, {rejected} rejected with DataFormatException ({Stopwatch.GetElapsedTime(0, readTicks).TotalSeconds:F1} s in the readers)");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} {name} cases ended otherwise:\n" + string.Join("\n", failures.Take(10)));
        Assert.Equal(cases, read + rejected);
        if (cases >= 100) Assert.True(read > 0 && rejected > 0, $"expected both outcomes, got {read} read and {rejected} rejected");
    }

    // ---------- mutations ----------

    private static readonly uint[] InterestingWords = { 0, 1, 2, 3, 0x7F, 0x80, 0xFF, 0x801, 0x803, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF };

    private static (byte[] Bytes, string What) MutateBytes(Random rng, byte[] data, int headerBytes, Func<Random, byte>? alphabet = null)
    {
        var b = (byte[])data.Clone();
        switch (rng.Next(7))
        {
            case 0:
            {
                int k = rng.Next(1, 9);
                for (int j = 0; j < k && b.Length > 0; j++) b[rng.Next(b.Length)] = alphabet?.Invoke(rng) ?? (byte)rng.Next(256);
                return (b, $"{k} random bytes");
            }
            case 1:
            {
                int k = rng.Next(1, 5);
                for (int j = 0; j < k && b.Length > 0; j++) b[rng.Next(Math.Min(b.Length, headerBytes))] ^= (byte)(1 << rng.Next(8));
                return (b, $"{k} bit flips in the header");
            }
            case 2:
            {
                int len = rng.Next(b.Length);
                return (b[..len], $"truncated to {len} of {b.Length}");
            }
            case 3:
            {
                var extra = new byte[rng.Next(1, 40)];
                rng.NextBytes(extra);
                return (b.Concat(extra).ToArray(), $"{extra.Length} bytes appended");
            }
            case 4:
            {
                int at = rng.Next(b.Length + 1), len = rng.Next(1, 16);
                var ins = new byte[len];
                for (int j = 0; j < len; j++) ins[j] = alphabet?.Invoke(rng) ?? (byte)rng.Next(256);
                return (b[..at].Concat(ins).Concat(b[at..]).ToArray(), $"{len} bytes inserted at {at}");
            }
            case 5:
            {
                if (b.Length == 0) return (b, "unchanged");
                int at = rng.Next(b.Length), len = Math.Min(b.Length - at, rng.Next(1, 16));
                return (b[..at].Concat(b[(at + len)..]).ToArray(), $"{len} bytes deleted at {at}");
            }
            default:
                return (Array.Empty<byte>(), "emptied");
        }
    }

    // ---------- IDX ----------

    private static readonly string[] IdxNames = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" };

    private static (string, Action) IdxCase(Random rng, string folder)
    {
        bool gzip = rng.Next(2) == 0;
        int rows = rng.Next(1, 5), cols = rng.Next(1, 5), nTrain = rng.Next(3, 9), nTest = rng.Next(2, 6);
        var files = new byte[4][];
        var px = new byte[nTrain * rows * cols];
        rng.NextBytes(px);
        files[0] = IdxImagesBytes(px, (uint)nTrain, (uint)rows, (uint)cols);
        files[1] = IdxLabelsBytes(Enumerable.Range(0, nTrain).Select(i => (byte)(i % 3)).ToArray());
        px = new byte[nTest * rows * cols];
        rng.NextBytes(px);
        files[2] = IdxImagesBytes(px, (uint)nTest, (uint)rows, (uint)cols);
        files[3] = IdxLabelsBytes(Enumerable.Range(0, nTest).Select(i => (byte)((i + 1) % 3)).ToArray());

        int target = rng.Next(4);
        int header = target % 2 == 0 ? 16 : 8;
        string what;
        bool mutateCompressed = gzip && rng.Next(2) == 0;
        if (!mutateCompressed)
        {
            if (rng.Next(3) == 0)
            {
                int field = rng.Next(header / 4);
                uint old = BinaryPrimitives.ReadUInt32BigEndian(files[target].AsSpan(4 * field));
                uint value = rng.Next(3) switch
                {
                    0 => InterestingWords[rng.Next(InterestingWords.Length)],
                    1 => old + (uint)rng.Next(-2, 3),
                    _ => (uint)rng.NextInt64(0, 1L << 32),
                };
                BinaryPrimitives.WriteUInt32BigEndian(files[target].AsSpan(4 * field), value);
                what = $"header field {field} {old} -> {value}";
            }
            else
            {
                (files[target], what) = MutateBytes(rng, files[target], header);
            }
        }
        else
        {
            what = "compressed: ";
        }
        for (int i = 0; i < 4; i++)
        {
            var bytes = gzip ? Gzip(files[i]) : files[i];
            if (mutateCompressed && i == target)
            {
                (bytes, var w) = MutateBytes(rng, bytes, 18);
                what += w;
            }
            File.WriteAllBytes(Path.Combine(folder, IdxNames[i] + (gzip ? ".gz" : "")), bytes);
        }
        if (rng.Next(4) == 0) File.WriteAllLines(Path.Combine(folder, "classes.txt"), new[] { "x", "y", "z" });
        int mode = rng.Next(3);
        return ($"{IdxNames[target]}{(gzip ? ".gz" : "")}: {what}, mode {mode}", () => LoadAndCheck(folder, mode, new DataOptions { Path = folder }));
    }

    // ---------- CSV ----------

    private static readonly byte[] CsvAlphabet = Encoding.ASCII.GetBytes(",,,\"\"\n\n\r  0123456789..ee--+NaIf\t;xl");

    private static (string, Action) CsvCase(Random rng, string folder)
    {
        var sb = new StringBuilder(rng.Next(2) == 0 ? "label,x,y,z\n" : "x,\"y\",label,z\n");
        bool named = rng.Next(2) == 0;
        for (int i = 0; i < 15; i++)
        {
            string label = named ? new[] { "cat", "\"dog, big\"", "emu" }[i % 3] : (i % 3 * 10).ToString();
            string x = (rng.NextDouble() * 10 - 5).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            string y = rng.Next(-1000, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            string z = (rng.NextDouble() * 1e-5).ToString("E3", System.Globalization.CultureInfo.InvariantCulture);
            sb.Append(sb[0] == 'l' ? $"{label},{x},{y},{z}\n" : $"{x},{y},{label},{z}\n");
        }
        var data = Encoding.UTF8.GetBytes(sb.ToString());
        var (bytes, what) = MutateBytes(rng, data, 14, r => r.Next(5) == 0 ? (byte)r.Next(256) : CsvAlphabet[r.Next(CsvAlphabet.Length)]);
        var path = Path.Combine(folder, "data.csv");
        File.WriteAllBytes(path, bytes);
        int mode = rng.Next(3);
        return ($"{what}, mode {mode}", () => LoadAndCheck(path, mode, new DataOptions { Path = path, TestFraction = 0.3, Seed = rng.Next() }));
    }

    // ---------- image folders ----------

    private static readonly Lazy<byte[][]> ImageFiles = new(() =>
    {
        static SKColor P(int x, int y, int s) => new((byte)(x * 30 + s * 40), (byte)(y * 30), (byte)((x + y) * 15 + s));
        return new[]
        {
            Png(8, 8, (x, y) => P(x, y, 0)),
            Jpeg(8, 8, (x, y) => P(x, y, 1), 90),
            Bmp(8, 8, (x, y) => P(x, y, 2)),
            Png(7, 9, (x, y) => P(x, y, 3)),
            Jpeg(12, 6, (x, y) => P(x, y, 4), 70),
        };
    });

    private static readonly string[] ImageNames = { "a/0.png", "a/1.jpg", "b/0.bmp", "b/1.png", "b/2.jpeg" };

    private static (string, Action) ImageCase(Random rng, string folder)
    {
        var files = ImageFiles.Value.Select(f => (byte[])f.Clone()).ToArray();
        int target = rng.Next(files.Length);
        string what;
        if (rng.Next(4) == 0)
        {
            // Header edit: a random little- or big-endian word in the first 32 bytes (BMP sizes, PNG IHDR, JPEG SOF).
            int at = rng.Next(Math.Max(1, Math.Min(files[target].Length - 4, 32)));
            uint value = InterestingWords[rng.Next(InterestingWords.Length)];
            if (rng.Next(2) == 0) BinaryPrimitives.WriteUInt32LittleEndian(files[target].AsSpan(at), value);
            else BinaryPrimitives.WriteUInt32BigEndian(files[target].AsSpan(at), value);
            what = $"word 0x{value:X} at {at}";
        }
        else
        {
            (files[target], what) = MutateBytes(rng, files[target], 64);
        }
        for (int i = 0; i < files.Length; i++)
        {
            var path = Path.Combine(folder, ImageNames[i]);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, files[i]);
        }
        var options = new DataOptions { Path = folder, ImageSize = rng.Next(2) == 0 ? 6 : 9, Grayscale = rng.Next(2) == 0, TestFraction = 0.4 };
        int mode = rng.Next(2) * 2; // Load or LoadAll
        return ($"{ImageNames[target]}: {what}, mode {mode}", () => LoadAndCheck(folder, mode, options));
    }

    // ---------- checks on success ----------

    private static void LoadAndCheck(string path, int mode, DataOptions options)
    {
        switch (mode)
        {
            case 0:
                using (var split = DatasetLoader.Load(options))
                {
                    CheckDataset(split.Train);
                    CheckDataset(split.Test);
                }
                break;
            case 1:
                using (var test = DatasetLoader.LoadTest(options)) CheckDataset(test);
                break;
            default:
                using (var all = DatasetLoader.LoadAll(options)) CheckDataset(all);
                break;
        }
    }

    private static void CheckDataset(Dataset d)
    {
        Assert.True(d.Count > 0, "a dataset read without error must not be empty");
        var values = d.Features.data<float>().ToArray();
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
        if (d.Kind == DataKind.Images) Assert.All(values, v => Assert.InRange(v, 0f, 1f));
        Assert.All(d.Labels, l => Assert.InRange(l, 0, d.ClassNames.Count - 1));
    }
}
