using System.Security.Cryptography;
using System.Text.Json;
using TripletSharp.Evaluation;
using TripletSharp.Models;

namespace TripletSharp.Training;

/// <summary>
/// The resumable state of a run, in its <c>checkpoint/</c> folder: <c>checkpoint.json</c> names the model and
/// optimiser files (by SHA-256) and holds the position, the partial-epoch sums, the best epoch and the history.
/// Written like a model folder: new content-named files first, then <c>checkpoint.json</c> atomically, then stale
/// files removed, so a kill at any moment leaves a complete checkpoint (the old or the new one).
/// </summary>
/// <remarks>
/// Random state: the trainer reseeds the global generator with a function of (seed, epoch, batch) before every
/// batch and rebuilds stochastic miners with such a seed, and the sampler is a pure function of (seed, epoch), so
/// the position (epoch, next batch) is the whole random state.
/// </remarks>
internal sealed class Checkpoint
{
    public const string FileName = "checkpoint.json";
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; set; } = CurrentFormatVersion;

    /// <summary>0-based epoch in progress; equals the completed epochs when <see cref="NextBatch"/> is 0.</summary>
    public int Epoch { get; set; }

    /// <summary>0-based index of the next batch of <see cref="Epoch"/>.</summary>
    public int NextBatch { get; set; }

    public long GlobalStep { get; set; }
    public double EpochLossSum { get; set; }
    public long EpochTriplets { get; set; }
    public long EpochActive { get; set; }
    public double EpochTrainSeconds { get; set; }
    public double? EpochFloorSeconds { get; set; }
    public int BestEpoch { get; set; }
    public double BestScore { get; set; } = double.NegativeInfinity;
    public RetrievalMetrics? BestMetrics { get; set; }
    public List<EpochRecord> History { get; set; } = [];
    public string DataFingerprint { get; set; } = "";
    /// <summary>
    /// <see cref="Models.ModelFingerprint"/> of the run's <c>model/</c> folder when this checkpoint was written (the best
    /// model so far); null before the first best epoch, and in checkpoints written before the field existed.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? ModelFingerprint { get; set; }
    public string ModelFile { get; set; } = "";
    public string ModelSha256 { get; set; } = "";
    public string OptimizerFile { get; set; } = "";
    public string OptimizerSha256 { get; set; } = "";
    /// <summary>The cross-batch memory (null without one): its rows cannot be rebuilt, they were embedded by past model states.</summary>
    public MemoryCheckpoint? Memory { get; set; }
    public string RandomState { get; set; } = "torch.manual_seed(mix(seed, epoch, batch)) before every batch; sampler = f(seed, epoch)";
    public string? SavedUtc { get; set; }

    public string Describe(string dir) =>
        NextBatch == 0 ? $"{dir} (after epoch {Epoch})" : $"{dir} (epoch {Epoch + 1}, after batch {NextBatch})";

    /// <summary>Writes the checkpoint with the serialised model and optimiser.</summary>
    public void Save(string dir, byte[] model, byte[] optimizer, byte[]? memory = null)
    {
        string? memoryFile = null;
        if (memory is not null && Memory is not null)
        {
            Memory.Sha256 = Convert.ToHexStringLower(SHA256.HashData(memory));
            Memory.File = memoryFile = $"memory-{Memory.Sha256[..16]}.bin";
        }
        Directory.CreateDirectory(dir);
        ModelSha256 = Convert.ToHexStringLower(SHA256.HashData(model));
        OptimizerSha256 = Convert.ToHexStringLower(SHA256.HashData(optimizer));
        ModelFile = $"model-{ModelSha256[..16]}.bin";
        OptimizerFile = $"optimizer-{OptimizerSha256[..16]}.bin";
        ModelBundle.WriteContentFile(Path.Combine(dir, ModelFile), model);
        ModelBundle.WriteContentFile(Path.Combine(dir, OptimizerFile), optimizer);
        if (memoryFile is not null) ModelBundle.WriteContentFile(Path.Combine(dir, memoryFile), memory!);
        SavedUtc = DateTime.UtcNow.ToString("O");
        AtomicFile.WriteAllText(Path.Combine(dir, FileName), JsonSerializer.Serialize(this, JsonDefaults.Options) + "\n");
        ModelBundle.RemoveStaleFiles(dir, "*.bin", memoryFile is null ? [ModelFile, OptimizerFile] : [ModelFile, OptimizerFile, memoryFile]);
    }

    public static bool Exists(string dir) => File.Exists(Path.Combine(dir, FileName));

    /// <summary>Reads a checkpoint and its two files, verifying their hashes.</summary>
    /// <exception cref="ModelFormatException">A file is missing, unreadable or corrupt.</exception>
    public static (Checkpoint State, byte[] Model, byte[] Optimizer) Load(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw new ModelFormatException(path, "missing: there is no checkpoint to resume from.");
        Checkpoint state;
        try
        {
            state = JsonSerializer.Deserialize<Checkpoint>(File.ReadAllText(path), JsonDefaults.Options) ?? throw new JsonException("the file holds 'null'.");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, $"not a valid checkpoint ({e.Message})", e);
        }
        if (state.FormatVersion != CurrentFormatVersion)
            throw new ModelFormatException(path, $"checkpoint format {state.FormatVersion} is not supported (this build reads {CurrentFormatVersion}).");
        return (state, ReadVerified(dir, path, state.ModelFile, state.ModelSha256), ReadVerified(dir, path, state.OptimizerFile, state.OptimizerSha256));
    }

    /// <summary>
    /// Checks every field against the run's configuration (<paramref name="epochs"/>, <paramref name="batchesPerEpoch"/>)
    /// and the checkpoint's own invariants, so a damaged or hand-edited file is refused instead of trusted.
    /// </summary>
    /// <exception cref="ModelFormatException">A field is out of range or contradicts another; names the file and the field.</exception>
    public void Validate(string path, int epochs, int batchesPerEpoch)
    {
        void Fail(string field, string why) => throw new ModelFormatException(path, $"field '{field}' {why}; the checkpoint is damaged or was edited (delete the checkpoint folder to start over)");
        if (History is null) Fail("history", "is null, expected the list of completed epochs");
        if (Epoch < 0 || Epoch > epochs) Fail("epoch", $"is {Epoch}, outside 0 … {epochs} (the run's epochs in config.json)");
        if (NextBatch < 0 || NextBatch >= batchesPerEpoch) Fail("next_batch", $"is {NextBatch}, outside 0 … {batchesPerEpoch - 1} (batches per epoch {batchesPerEpoch})");
        if (Epoch == epochs && NextBatch != 0) Fail("next_batch", $"is {NextBatch}, but every epoch is done");
        long expectedStep = (long)Epoch * batchesPerEpoch + NextBatch;
        if (GlobalStep != expectedStep) Fail("global_step", $"is {GlobalStep}, but epoch {Epoch} and next_batch {NextBatch} make {expectedStep}");
        if (!double.IsFinite(EpochLossSum) || EpochLossSum < 0) Fail("epoch_loss_sum", $"is {EpochLossSum}, expected a finite sum ≥ 0");
        if (EpochTriplets < 0) Fail("epoch_triplets", $"is {EpochTriplets}, expected ≥ 0");
        if (EpochActive < 0 || EpochActive > EpochTriplets) Fail("epoch_active", $"is {EpochActive}, outside 0 … epoch_triplets ({EpochTriplets})");
        if (!double.IsFinite(EpochTrainSeconds) || EpochTrainSeconds < 0) Fail("epoch_train_seconds", $"is {EpochTrainSeconds}, expected a finite time ≥ 0");
        if (EpochFloorSeconds is { } f && (!double.IsFinite(f) || f < 0)) Fail("epoch_floor_seconds", $"is {f}, expected a finite time ≥ 0 or null");
        if (NextBatch == 0 && (EpochLossSum != 0 || EpochTriplets != 0 || EpochActive != 0))
            Fail(EpochLossSum != 0 ? "epoch_loss_sum" : EpochTriplets != 0 ? "epoch_triplets" : "epoch_active", "is not 0 at the start of an epoch (next_batch 0)");
        if (NextBatch > 0 && EpochTriplets == 0 && EpochActive != 0) Fail("epoch_triplets", "is 0 although triplets were active");
        if (History!.Count != Epoch) Fail("history", $"has {History.Count} rows, but {Epoch} epochs are complete");
        for (int i = 0; i < History.Count; i++)
        {
            var row = History[i];
            if (row is null) Fail("history", $"row {i + 1} is null");
            if (row!.Epoch != i + 1) Fail("history", $"row {i + 1} is for epoch {row.Epoch}");
            if (!double.IsFinite(row.Loss) || row.Loss < 0) Fail("history", $"row {i + 1} has loss {row.Loss}, expected a finite value ≥ 0");
            if (!(row.ActiveFraction >= 0 && row.ActiveFraction <= 1)) Fail("history", $"row {i + 1} has active fraction {row.ActiveFraction}, outside [0, 1]");
        }
        if (BestEpoch < 0 || BestEpoch > Epoch) Fail("best_epoch", $"is {BestEpoch}, outside 0 … {Epoch} (the completed epochs)");
        if (double.IsNaN(BestScore)) Fail("best_score", "is NaN");
        if (string.IsNullOrEmpty(DataFingerprint)) Fail("data_fingerprint", "is empty");
        if (ModelFingerprint is { } mf && !(mf.Length == 64 && mf.All(char.IsAsciiHexDigitLower)))
            Fail("model_fingerprint", "is not a model fingerprint (64 lower-case hex digits of SHA-256)");
    }

    /// <summary>The memory file of a loaded checkpoint, verified (null when the checkpoint has no memory).</summary>
    /// <exception cref="ModelFormatException">The file is missing or corrupt.</exception>
    public byte[]? ReadMemory(string dir) =>
        Memory is null ? null : ReadVerified(dir, Path.Combine(dir, FileName), Memory.File, Memory.Sha256);

    private static byte[] ReadVerified(string dir, string manifest, string name, string sha)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('/') || name.Contains('\\') || name.Contains(".."))
            throw new ModelFormatException(manifest, $"names an invalid file '{name}'.");
        var p = Path.Combine(dir, name);
        if (!File.Exists(p)) throw new ModelFormatException(p, "missing: the file named in checkpoint.json is not in the folder.");
        var bytes = File.ReadAllBytes(p);
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), sha, StringComparison.OrdinalIgnoreCase))
            throw new ModelFormatException(p, "corrupt: its SHA-256 does not match the one recorded in checkpoint.json.");
        return bytes;
    }
}

/// <summary>Where and what the cross-batch memory of a checkpoint is: its rows (float32, row-major, then int64 labels) in ring-slot order.</summary>
internal sealed class MemoryCheckpoint
{
    public string File { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public int Count { get; set; }
    public int Dimension { get; set; }
    public int NextSlot { get; set; }
    public long BatchesSeen { get; set; }
}
