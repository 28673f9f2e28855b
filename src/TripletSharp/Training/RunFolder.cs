using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Training;

/// <summary>
/// A training run's folder and the one typed read and write of each of its files: <c>config.json</c>
/// (<see cref="RunConfig"/>), <c>history.csv</c> (<see cref="EpochRecord"/> rows), <c>metrics.json</c>
/// (<see cref="RetrievalMetrics"/>, and a tuple run's <see cref="TupleMetrics"/>), <c>tuples.json</c> (<see cref="TuplesRecord"/>), <c>model/</c> (<see cref="ModelBundle"/>), <c>checkpoint/</c>, the stored
/// per-epoch d_ap / d_an samples and the report's path. Every write is atomic.
/// </summary>
/// <param name="Directory">The run folder.</param>
public sealed record RunFolder(string Directory)
{
    /// <summary>File name of the HTML report in a run folder.</summary>
    public const string ReportFileName = "report.html";

    /// <summary>The best model (a <see cref="ModelBundle"/> folder).</summary>
    public string ModelDirectory => Path.Combine(Directory, "model");

    /// <summary>The resumable training state.</summary>
    public string CheckpointDirectory => Path.Combine(Directory, "checkpoint");

    /// <summary>The run's configuration (trainer and data options, data summary).</summary>
    public string ConfigPath => Path.Combine(Directory, "config.json");

    /// <summary>One row per epoch.</summary>
    public string HistoryPath => Path.Combine(Directory, "history.csv");

    /// <summary>Final test metrics (those of the best epoch).</summary>
    public string MetricsPath => Path.Combine(Directory, "metrics.json");

    /// <summary>The HTML report.</summary>
    public string ReportPath => Path.Combine(Directory, ReportFileName);

    /// <summary>The file a training process holds an OS lock on while it writes the folder (see <see cref="Lock"/>).</summary>
    public string LockPath => Path.Combine(Directory, LockFileName);

    /// <summary>File name of the run folder's lock.</summary>
    public const string LockFileName = ".triplet.lock";

    /// <summary>
    /// Takes the run folder for this process: an exclusive OS lock on <see cref="LockPath"/>, held until the returned
    /// handle is disposed (or the process ends, however it ends: a crash or SIGKILL releases it, so a lock file left
    /// behind is stale and simply taken over). Creates the folder.
    /// </summary>
    /// <exception cref="IOException">Another process (or another session of this one) holds the folder; the message says so.</exception>
    public IDisposable Lock()
    {
        System.IO.Directory.CreateDirectory(Directory);
        try
        {
            var stream = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            try
            {
                var text = System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId} since {DateTime.UtcNow:O}\n"));
                stream.SetLength(0);
                stream.Write(text);
                stream.Flush();
            }
            catch (IOException)
            {
                // The lock is what matters; its note is only for people.
            }
            return stream;
        }
        catch (IOException e) when (File.Exists(LockPath) && e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new IOException($"{Directory} is in use: another training process is writing this run folder (it holds {LockPath}); wait for it to finish, or choose another folder", e);
        }
    }

    /// <summary>Whether the folder holds a checkpoint (a run that can be resumed).</summary>
    public bool HasCheckpoint => Checkpoint.Exists(CheckpointDirectory);

    /// <summary>Path of the stored d_ap / d_an sample of <paramref name="epoch"/>.</summary>
    public string DistancesPath(int epoch) =>
        Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"distances-epoch{epoch}.json"));

    /// <summary>A fresh <c>runs/&lt;timestamp&gt;</c> folder name under <paramref name="root"/> (default: the current folder).</summary>
    public static string DefaultDirectory(string? root = null) =>
        Path.Combine(root ?? ".", "runs", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));

    /// <summary>Reads <c>config.json</c>.</summary>
    /// <exception cref="ModelFormatException">The file is missing or not a valid configuration.</exception>
    public RunConfig ReadConfig() => RunConfig.Load(ConfigPath);

    /// <summary>Reads <c>config.json</c> when it exists; null otherwise.</summary>
    /// <exception cref="ModelFormatException">The file exists but is not a valid configuration.</exception>
    public RunConfig? TryReadConfig() => File.Exists(ConfigPath) ? RunConfig.Load(ConfigPath) : null;

    /// <summary>Writes <c>config.json</c> (creating the folder).</summary>
    public void WriteConfig(RunConfig config)
    {
        Guard.NotNull(config, nameof(config));
        System.IO.Directory.CreateDirectory(Directory);
        config.Save(ConfigPath);
    }

    /// <summary>Reads <c>history.csv</c>; empty when the file is missing.</summary>
    public IReadOnlyList<EpochRecord> ReadHistory() =>
        File.Exists(HistoryPath) ? EpochRecord.FromCsv(File.ReadAllText(HistoryPath)) : [];

    /// <summary>Writes <c>history.csv</c> (creating the folder).</summary>
    public void WriteHistory(IEnumerable<EpochRecord> rows)
    {
        Guard.NotNull(rows, nameof(rows));
        System.IO.Directory.CreateDirectory(Directory);
        AtomicFile.WriteAllText(HistoryPath, EpochRecord.ToCsv(rows));
    }

    /// <summary>
    /// Reads <c>metrics.json</c> (null values become NaN); null when the file is missing, or when it holds no retrieval
    /// metrics (a tuple run without a test split records only its held-out tuples' score, see <see cref="ReadTupleMetricsJson"/>).
    /// </summary>
    /// <exception cref="ModelFormatException">The file is not a metrics object.</exception>
    public RetrievalMetrics? ReadMetrics()
    {
        if (!File.Exists(MetricsPath)) return null;
        try
        {
            var text = File.ReadAllText(MetricsPath);
            if (JsonNode.Parse(text) is JsonObject node && !node.ContainsKey("precision_at_1") && node.ContainsKey(TuplesKey)) return null;
            return RetrievalMetrics.FromJson(text);
        }
        catch (JsonException e) { throw new ModelFormatException(MetricsPath, $"not valid metrics ({e.Message})", e); }
    }

    /// <summary>The <c>"tuples"</c> object of <c>metrics.json</c> (a <see cref="TupleMetrics.ToJsonNode"/>); null when the file or the key is missing.</summary>
    /// <exception cref="ModelFormatException">The file is not a JSON object, or the key holds something else.</exception>
    public JsonObject? ReadTupleMetricsJson()
    {
        if (!File.Exists(MetricsPath)) return null;
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(MetricsPath)) as JsonObject ?? throw new JsonException("metrics must be a JSON object.");
            return node[TuplesKey] switch
            {
                null => null,
                JsonObject tuples => tuples,
                var other => throw new JsonException($"'{TuplesKey}' must be an object, got {other.ToJsonString()}."),
            };
        }
        catch (JsonException e) { throw new ModelFormatException(MetricsPath, $"not valid metrics ({e.Message})", e); }
    }

    /// <summary>Writes <c>metrics.json</c> (creating the folder).</summary>
    public void WriteMetrics(RetrievalMetrics metrics) => WriteMetrics(metrics, null);

    /// <summary>
    /// Writes <c>metrics.json</c> (creating the folder): the metrics' numbers, then, when given, the
    /// <see cref="ModelFingerprintKey"/> of the model they were measured on (see <see cref="VerifyModelFingerprint"/>).
    /// </summary>
    public void WriteMetrics(RetrievalMetrics metrics, string? modelFingerprint)
    {
        Guard.NotNull(metrics, nameof(metrics));
        WriteMetrics(metrics, null, modelFingerprint);
    }

    /// <summary>
    /// Writes <c>metrics.json</c> (creating the folder): the retrieval metrics' numbers (when there is a test split), then
    /// the score of the held-out tuples under <see cref="TuplesKey"/> (tuple runs), then, when given, the
    /// <see cref="ModelFingerprintKey"/> of the model they were measured on (see <see cref="VerifyModelFingerprint"/>).
    /// Without tuples the file is exactly what <see cref="WriteMetrics(RetrievalMetrics, string?)"/> always wrote.
    /// </summary>
    /// <exception cref="ArgumentException">Neither metrics nor tuples given.</exception>
    public void WriteMetrics(RetrievalMetrics? metrics, TupleMetrics? tuples, string? modelFingerprint)
    {
        if (metrics is null && tuples is null) throw new ArgumentException($"Give '{nameof(metrics)}', '{nameof(tuples)}' or both.", nameof(metrics));
        System.IO.Directory.CreateDirectory(Directory);
        if (modelFingerprint is null && tuples is null)
        {
            AtomicFile.WriteAllText(MetricsPath, metrics!.ToJson());
            return;
        }
        var node = metrics?.ToJsonNode() ?? new JsonObject();
        if (tuples is not null) node[TuplesKey] = tuples.ToJsonNode();
        WriteMetrics(node, modelFingerprint);
    }

    /// <summary>
    /// Writes <c>metrics.json</c> (creating the folder) from a JSON object of metrics (a recommendation run's, or the
    /// parts above), with the <see cref="ModelFingerprintKey"/> of the model they were measured on added when given.
    /// </summary>
    public void WriteMetrics(JsonObject metrics, string? modelFingerprint)
    {
        Guard.NotNull(metrics, nameof(metrics));
        System.IO.Directory.CreateDirectory(Directory);
        if (modelFingerprint is not null) metrics[ModelFingerprintKey] = modelFingerprint;
        AtomicFile.WriteAllText(MetricsPath, metrics.ToJsonString(IndentedJson) + "\n");
    }

    /// <summary>The key under which <c>metrics.json</c> holds the held-out tuples' score (<see cref="TupleMetrics.ToJsonNode"/>).</summary>
    public const string TuplesKey = "tuples";

    /// <summary>File name of the record of what a tuple run was trained from (<see cref="TuplesRecord"/>).</summary>
    public const string TuplesRecordFileName = "tuples.json";

    /// <summary>What a tuple run was trained from (<see cref="TuplesRecord"/>); absent for a run trained from class labels.</summary>
    public string TuplesRecordPath => Path.Combine(Directory, TuplesRecordFileName);

    /// <summary>Reads <c>tuples.json</c>; null when the file is missing (a run trained from class labels).</summary>
    /// <exception cref="ModelFormatException">The file is not a valid record.</exception>
    public TuplesRecord? ReadTuplesRecord()
    {
        if (!File.Exists(TuplesRecordPath)) return null;
        try { return TuplesRecord.FromJson(File.ReadAllText(TuplesRecordPath)); }
        catch (JsonException e) { throw new ModelFormatException(TuplesRecordPath, $"not a valid tuples record ({e.Message})", e); }
    }

    /// <summary>Writes <c>tuples.json</c> (creating the folder), or removes it when <paramref name="record"/> is null.</summary>
    public void WriteTuplesRecord(TuplesRecord? record)
    {
        if (record is null)
        {
            if (File.Exists(TuplesRecordPath)) File.Delete(TuplesRecordPath);
            return;
        }
        System.IO.Directory.CreateDirectory(Directory);
        AtomicFile.WriteAllText(TuplesRecordPath, record.ToJson());
    }

    /// <summary>
    /// Keeps the run's training source single: called once the data and tuples are read, before training. A resumed run
    /// must be given what it was trained from (<paramref name="now"/>: the same tuples file, bytes, extra negatives and
    /// held-out share; null for class labels), so a class run does not become a tuple run nor the other way round. A new
    /// run records <paramref name="now"/> (and a record left by a tuple run that never checkpointed goes). A folder with a
    /// checkpoint that is not resumed is left alone: the training session refuses it.
    /// </summary>
    /// <param name="now">What this run trains from; null for class labels.</param>
    /// <param name="resume">Whether the run is resumed (<see cref="TrainerOptions.Resume"/>).</param>
    /// <exception cref="ArgumentException">Resuming with another training source than the run's (parameter <c>Tuples</c>).</exception>
    /// <exception cref="ModelFormatException">The run's <c>tuples.json</c> is damaged.</exception>
    public void CheckOrRecordTuples(TuplesRecord? now, bool resume)
    {
        if (HasCheckpoint && resume)
        {
            var saved = ReadTuplesRecord();
            if (saved != now)
                throw new ArgumentException(saved is null
                    ? $"The run in {Directory} was trained from class labels; resume it without '{nameof(TuplesRecord.Tuples)}'."
                    : $"The run in {Directory} was trained from the tuples recorded in {TuplesRecordPath} ({saved.ToJson()}); resume it with the same '{nameof(TuplesRecord.Tuples)}' file, '{nameof(TuplesRecord.TupleNegatives)}' and '{nameof(TuplesRecord.TupleTestFraction)}'.", nameof(TuplesRecord.Tuples));
            return;
        }
        if (HasCheckpoint) return;
        WriteTuplesRecord(now);
    }

    /// <summary>The key under which <c>metrics.json</c> and <c>checkpoint.json</c> name the model they belong to (a <see cref="ModelFingerprint"/>).</summary>
    public const string ModelFingerprintKey = "model_fingerprint";

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    /// <summary>The <see cref="ModelFingerprint"/> of the model in <see cref="ModelDirectory"/>; null when the folder holds no <c>model.json</c>.</summary>
    /// <exception cref="ModelFormatException">The model folder is damaged (its weights file is missing).</exception>
    public string? CurrentModelFingerprint() =>
        File.Exists(Path.Combine(ModelDirectory, ModelBundle.ManifestFileName)) ? ModelFingerprint.Compute(ModelDirectory) : null;

    /// <summary>
    /// Checks that <c>model/</c> is the model this run's <c>metrics.json</c> and <c>checkpoint.json</c> were written with:
    /// each records the model's fingerprint (<see cref="ModelFingerprintKey"/>), and a model folder swapped in from another
    /// run (or retrained elsewhere) no longer matches. Files written before fingerprints were recorded are not checked:
    /// <paramref name="notice"/> gets one line saying so.
    /// </summary>
    /// <param name="notice">Receives the one-line notice about files without a fingerprint; null ignores it.</param>
    /// <param name="allowModelAhead">
    /// Resume only: accept a model folder that the checkpoint does not name when the model is from a later epoch than the
    /// checkpoint, on the same data: training stopped between saving the best model and saving the checkpoint, and the
    /// epoch, trained again from the checkpoint, saves that model again.
    /// </param>
    /// <exception cref="ModelFormatException">A recorded fingerprint differs from the model folder's (both files and both fingerprints named), or the model folder is missing although a file records it.</exception>
    public void VerifyModelFingerprint(Action<string>? notice, bool allowModelAhead = false)
    {
        var checkpointPath = Path.Combine(CheckpointDirectory, Checkpoint.FileName);
        var manifestPath = Path.Combine(ModelDirectory, ModelBundle.ManifestFileName);
        var current = CurrentModelFingerprint();
        var unrecorded = new List<string>();
        foreach (var (path, recorded, expectsModel, checkpointEpoch) in new[] { RecordedFingerprint(checkpointPath, true), RecordedFingerprint(MetricsPath, false) })
        {
            if (recorded is null)
            {
                if (expectsModel) unrecorded.Add(path);
                continue;
            }
            if (current is null)
                throw new ModelFormatException(ModelDirectory, $"holds no model (no {ModelBundle.ManifestFileName}), but {path} records the model {recorded} it belongs to; restore the run's model folder, or train again");
            if (string.Equals(recorded, current, StringComparison.Ordinal)) continue;
            if (allowModelAhead && checkpointEpoch is { } epoch && IsModelAhead(manifestPath, epoch)) continue;
            throw NotThisRunsModel(path, recorded, $"{manifestPath} and its weights have", current);
        }
        if (unrecorded.Count > 0 && current is not null)
            notice?.Invoke($"{string.Join(" and ", unrecorded)} {(unrecorded.Count == 1 ? "was" : "were")} written before model fingerprints were recorded, so whether {ModelDirectory} is the model of this run is not checked");
    }

    /// <summary>
    /// Checks that <c>metrics.json</c>, when it records a model fingerprint, records <paramref name="fingerprint"/>: the
    /// check of <see cref="VerifyModelFingerprint"/> for a model kind this class does not load (a recommender, whose
    /// loader gives its fingerprint).
    /// </summary>
    /// <param name="fingerprint">The fingerprint of the model in <see cref="ModelDirectory"/>.</param>
    /// <exception cref="ModelFormatException">metrics.json is not valid JSON, or records another fingerprint (both named).</exception>
    public void VerifyMetricsFingerprint(string fingerprint)
    {
        Guard.NotNull(fingerprint, nameof(fingerprint));
        var (path, recorded, _, _) = RecordedFingerprint(MetricsPath, false);
        if (recorded is not null && !string.Equals(recorded, fingerprint, StringComparison.Ordinal))
            throw NotThisRunsModel(path, recorded, $"{ModelDirectory} has", fingerprint);
    }

    /// <summary>The refusal of a run file that records another model; <paramref name="modelHas"/> names the model folder ("… has").</summary>
    private static ModelFormatException NotThisRunsModel(string path, string recorded, string modelHas, string current) =>
        new(path, $"records model fingerprint {recorded}, but {modelHas} fingerprint {current}: the model folder is not the one this run wrote (swapped or copied from another run?); put the run's own model folder back, or train again");

    /// <summary>The fingerprint a run file records; whether it should record one (a model had been saved); the checkpoint's completed epochs.</summary>
    private static (string Path, string? Fingerprint, bool ExpectsModel, int? Epoch) RecordedFingerprint(string path, bool isCheckpoint)
    {
        if (!File.Exists(path)) return (path, null, false, null);
        JsonObject node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, $"not valid JSON ({e.Message})", e);
        }
        string? fingerprint = null;
        if (node[ModelFingerprintKey] is { } f)
        {
            if (f is not JsonValue v || !v.TryGetValue<string>(out fingerprint))
                throw new ModelFormatException(path, $"field '{ModelFingerprintKey}' is {f.ToJsonString()}, expected the model's fingerprint (a string)");
        }
        if (!isCheckpoint) return (path, fingerprint, true, null);
        int? epoch = node["epoch"] is JsonValue e1 && e1.TryGetValue<int>(out var ep) ? ep : null;
        bool expects = node["best_epoch"] is JsonValue b && b.TryGetValue<int>(out var best) && best > 0;
        return (path, fingerprint, expects, epoch);
    }

    /// <summary>Whether the saved model's <c>model.json</c> says it is the best model of an epoch after <paramref name="checkpointEpoch"/>, on the data of this run's config.</summary>
    private bool IsModelAhead(string manifestPath, int checkpointEpoch)
    {
        try
        {
            var training = JsonNode.Parse(File.ReadAllText(manifestPath))?["training"];
            if (training?["best_epoch"] is not JsonValue b || !b.TryGetValue<int>(out var best) || best <= checkpointEpoch) return false;
            var data = training["data"]?["fingerprint"]?.GetValue<string>();
            var config = TryReadConfig();
            return data is not null && config?.DataSummary is { } summary && string.Equals(summary.Fingerprint, data, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ModelFormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// The run folder whose <c>model/</c> is <paramref name="modelDirectory"/> (it holds a <c>metrics.json</c> or a
    /// checkpoint beside it); null for a model folder that is not in a run folder.
    /// </summary>
    public static RunFolder? Containing(string modelDirectory)
    {
        Guard.NotNull(modelDirectory, nameof(modelDirectory));
        var dir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDirectory));
        var parent = Path.GetDirectoryName(dir);
        if (parent is null) return null;
        var run = new RunFolder(parent);
        return string.Equals(Path.GetFullPath(run.ModelDirectory), dir, StringComparison.Ordinal) && (File.Exists(run.MetricsPath) || run.HasCheckpoint) ? run : null;
    }

    /// <summary>Loads the run's best model (see <see cref="ModelBundle.Load"/>).</summary>
    public ModelBundle ReadModel(nn.Module<Tensor, Tensor>? customModule = null) => ModelBundle.Load(ModelDirectory, customModule);

    /// <summary>Saves <paramref name="model"/> as the run's best model.</summary>
    public void WriteModel(ModelBundle model)
    {
        Guard.NotNull(model, nameof(model));
        model.Save(ModelDirectory);
    }

    /// <summary>Reads the stored d_ap / d_an sample of <paramref name="epoch"/>; null when missing or damaged (it only feeds a histogram).</summary>
    public EpochDistances? ReadDistances(int epoch)
    {
        var path = DistancesPath(epoch);
        if (!File.Exists(path)) return null;
        try
        {
            // Straight into arrays, not through a JSON tree: a sample of 10^5–10^6 numbers is most of the report's reading.
            var file = JsonSerializer.Deserialize<DistancesFile>(File.ReadAllBytes(path));
            return file is { Epoch: { } e, AnchorPositive: { } ap, AnchorNegative: { } an } ? new EpochDistances(e, ap, an) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The layout of <c>distances-epoch&lt;N&gt;.json</c>, for reading.</summary>
    private sealed class DistancesFile
    {
        [System.Text.Json.Serialization.JsonPropertyName("epoch")] public int? Epoch { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("d_ap")] public float[]? AnchorPositive { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("d_an")] public float[]? AnchorNegative { get; set; }
    }

    /// <summary>Stores a d_ap / d_an sample under its epoch.</summary>
    public void WriteDistances(EpochDistances distances)
    {
        Guard.NotNull(distances, nameof(distances));
        System.IO.Directory.CreateDirectory(Directory);
        AtomicFile.WriteAllText(DistancesPath(distances.Epoch), JsonSerializer.Serialize(new JsonObject
        {
            ["epoch"] = distances.Epoch,
            ["d_ap"] = JsonSerializer.SerializeToNode(distances.AnchorPositive),
            ["d_an"] = JsonSerializer.SerializeToNode(distances.AnchorNegative),
        }));
    }

    /// <summary>Reads the checkpoint and its two files, verifying their hashes.</summary>
    internal (Checkpoint State, byte[] Model, byte[] Optimizer) ReadCheckpoint() => Checkpoint.Load(CheckpointDirectory);

    /// <summary>Writes the checkpoint with the serialised model and optimiser.</summary>
    internal void WriteCheckpoint(Checkpoint state, byte[] model, byte[] optimizer, byte[]? memory = null) => state.Save(CheckpointDirectory, model, optimizer, memory);

    /// <summary>Removes temporary files left by a killed process (the model and checkpoint folders clean up on their next save).</summary>
    internal void RemoveStaleFiles()
    {
        if (System.IO.Directory.Exists(Directory)) ModelBundle.RemoveStaleFiles(Directory, ".*.tmp");
    }
}
