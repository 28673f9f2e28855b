using System.Security.Cryptography;
using System.Text.Json;
using TripletSharp.Models;

namespace TripletSharp.Recommendation;

/// <summary>
/// The checkpoint of a recommendation run after its last complete epoch, in the run's <c>checkpoint/</c> folder:
/// <c>cml-checkpoint.json</c> (epoch, history, the data's and the settings' fingerprints, each file's name and SHA-256)
/// beside <c>users-&lt;sha&gt;.f32</c>, <c>items-&lt;sha&gt;.f32</c>, <c>optimizer-&lt;sha&gt;.bin</c> and, for a run with
/// item features, <c>tower-&lt;sha&gt;.f32</c> (the item tower's weights; <c>items</c> then holds the id embeddings). The files are
/// named by their content and written atomically, the JSON last, and only then are the previous files removed: a crash
/// at any point leaves one complete checkpoint.
/// </summary>
public sealed record CmlCheckpoint
{
    /// <summary>The checkpoint's JSON file.</summary>
    public const string FileName = "cml-checkpoint.json";

    /// <summary>The <see cref="Format"/> value.</summary>
    public const string FormatName = "tripletsharp-cml-checkpoint";

    /// <summary>Always <see cref="FormatName"/>.</summary>
    public string Format { get; init; } = FormatName;

    /// <summary>The last complete epoch.</summary>
    public int Epoch { get; init; }

    /// <summary>Fingerprint of the split (ids, training and held-out positives): a resumed run must train on the same.</summary>
    public string DataFingerprint { get; init; } = "";

    /// <summary>
    /// Fingerprint of the item features the run trains with (<see cref="Data.ItemFeatures.Fingerprint"/>: schema, ids and
    /// encoded values); empty for a run without item features (and in checkpoints written before they existed).
    /// </summary>
    public string FeaturesFingerprint { get; init; } = "";

    /// <summary>The settings a resumed run must share, as JSON (<see cref="InteractionsRunOptions"/> without epochs, threads, folder and outputs).</summary>
    public string Settings { get; init; } = "";

    /// <summary>Training seconds so far.</summary>
    public double TrainingSeconds { get; init; }

    /// <summary>The epochs so far.</summary>
    public IReadOnlyList<CmlEpoch> History { get; init; } = [];

    /// <summary>SHA-256 of each file, by its name (<c>users-…f32</c>, <c>items-…f32</c>, <c>optimizer-…bin</c>, <c>tower-…f32</c>).</summary>
    public IReadOnlyDictionary<string, string> Sha256 { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether <paramref name="folder"/> holds a checkpoint.</summary>
    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, FileName));

    /// <summary>Writes the checkpoint of <paramref name="state"/> into <paramref name="folder"/> (created if needed).</summary>
    public CmlCheckpoint Save(string folder, CmlTrainingState state)
    {
        Guard.NotNull(folder, nameof(folder));
        Guard.NotNull(state, nameof(state));
        if ((state.Tower is null) != (FeaturesFingerprint.Length == 0))
            throw new ArgumentException($"'{nameof(FeaturesFingerprint)}' must be set exactly when the state has an item tower.", nameof(state));
        Directory.CreateDirectory(folder);
        var sha = new Dictionary<string, string>();
        var parts = new List<(string Stem, string Extension, byte[] Bytes)> { ("users", ".f32", Bytes(state.UserVectors)), ("items", ".f32", Bytes(state.ItemVectors)), ("optimizer", ".bin", state.Optimizer) };
        if (state.Tower is not null) parts.Add(("tower", ".f32", Bytes(state.Tower)));
        foreach (var (stem, extension, bytes) in parts)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
            var name = $"{stem}-{hash[..16]}{extension}";
            if (!File.Exists(Path.Combine(folder, name))) AtomicFile.WriteAllBytes(Path.Combine(folder, name), bytes);
            sha[name] = hash;
        }
        var saved = this with { Format = FormatName, Epoch = state.Epoch, Sha256 = sha };
        AtomicFile.WriteAllBytes(Path.Combine(folder, FileName), JsonSerializer.SerializeToUtf8Bytes(saved, JsonDefaults.Options));
        foreach (var stale in Directory.EnumerateFiles(folder).Select(Path.GetFileName).Where(n => n is not null && n != FileName && !sha.ContainsKey(n) && IsPart(n)).ToList())
            File.Delete(Path.Combine(folder, stale!));
        return saved;
    }

    /// <summary>Reads the checkpoint in <paramref name="folder"/> and the training state it holds, every file checked against its SHA-256.</summary>
    /// <exception cref="ModelFormatException">A file is missing, damaged, or not a checkpoint of a recommendation run.</exception>
    public static (CmlCheckpoint Checkpoint, CmlTrainingState State) Load(string folder)
    {
        Guard.NotNull(folder, nameof(folder));
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new ModelFormatException(path, "missing: the run has no checkpoint of a recommendation run.");
        CmlCheckpoint? c;
        try { c = JsonSerializer.Deserialize<CmlCheckpoint>(File.ReadAllBytes(path), JsonDefaults.Options); }
        catch (JsonException e) { throw new ModelFormatException(path, $"not valid JSON ({e.Message})", e); }
        if (c is null || c.Format != FormatName || c.Epoch < 1 || c.Sha256 is null || c.FeaturesFingerprint is null) throw new ModelFormatException(path, $"not a {FormatName} file.");
        byte[] Read(string name)
        {
            var file = Path.Combine(folder, name);
            if (!File.Exists(file)) throw new ModelFormatException(file, "missing.");
            var bytes = File.ReadAllBytes(file);
            if (!c.Sha256.TryGetValue(name, out var sha) || sha != Convert.ToHexStringLower(SHA256.HashData(bytes)))
                throw new ModelFormatException(file, $"damaged: its SHA-256 differs from {FileName}'s.");
            return bytes;
        }
        string? Optional(string stem) => c.Sha256.Keys.SingleOrDefault(n => n.StartsWith(stem + "-", StringComparison.Ordinal));
        string Part(string stem) => Optional(stem) ?? throw new ModelFormatException(path, $"names no {stem} file.");
        bool hasTower = c.FeaturesFingerprint.Length > 0;
        if (!hasTower && Optional("tower") is not null) throw new ModelFormatException(path, "names a tower file but no item features (features_fingerprint).");
        var tower = hasTower ? Floats(Read(Part("tower"))) : null;
        return (c, new CmlTrainingState(c.Epoch, Floats(Read(Part("users"))), Floats(Read(Part("items"))), Read(Part("optimizer")), tower));
    }

    private static bool IsPart(string name) =>
        (name.StartsWith("users-", StringComparison.Ordinal) || name.StartsWith("items-", StringComparison.Ordinal) || name.StartsWith("optimizer-", StringComparison.Ordinal) || name.StartsWith("tower-", StringComparison.Ordinal))
        && (name.EndsWith(".f32", StringComparison.Ordinal) || name.EndsWith(".bin", StringComparison.Ordinal));

    private static byte[] Bytes(float[] values)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("checkpoint files are little-endian.");
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static float[] Floats(byte[] bytes)
    {
        var values = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, values, 0, values.Length * sizeof(float));
        return values;
    }
}
