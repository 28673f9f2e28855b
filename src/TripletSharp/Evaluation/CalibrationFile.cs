using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TripletSharp.Evaluation;

/// <summary>
/// <c>calibration.json</c>: a <see cref="CalibrationResult"/> with a format name and version, written atomically into
/// a model folder or an index folder (an index carries it over on every save).
/// </summary>
public static class CalibrationFile
{
    /// <summary>The usual file name.</summary>
    public const string FileName = "calibration.json";

    /// <summary>The <c>format</c> value.</summary>
    public const string FormatName = "tripletsharp-calibration";

    /// <summary>The format version written and read.</summary>
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = JsonDefaults.Strict;

    /// <summary>Writes <paramref name="result"/> to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The file (usually <c>folder/calibration.json</c>).</param>
    /// <param name="result">The calibration.</param>
    /// <param name="includeCurve">Also write every candidate point (the file can then be large).</param>
    public static void Write(string path, CalibrationResult result, bool includeCurve = true)
    {
        Guard.NotNull(path, nameof(path));
        Guard.NotNull(result, nameof(result));
        CheckThreshold(result.Threshold, result.HigherIsCloser, nameof(result));
        var body = JsonSerializer.SerializeToNode(includeCurve ? result : WithoutCurve(result), Json)!.AsObject();
        var root = new JsonObject
        {
            ["format"] = FormatName,
            ["format_version"] = FormatVersion,
            ["saved_utc"] = DateTime.UtcNow.ToString("O"),
        };
        foreach (var (k, v) in body.ToArray())
        {
            body.Remove(k);
            root[k] = v;
        }
        AtomicFile.WriteAllText(path, root.ToJsonString(Json) + "\n");
    }

    /// <summary>Reads a calibration file.</summary>
    /// <exception cref="CalibrationException">The file is missing, not a calibration, or holds a NaN or negative threshold (names the file).</exception>
    public static CalibrationResult Read(string path)
    {
        Guard.NotNull(path, nameof(path));
        if (!File.Exists(path)) throw new CalibrationException($"{path}: no such calibration file; run calibrate first.");
        CalibrationResult result;
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                ?? throw new JsonException("the file does not hold a JSON object.");
            var format = root["format"]?.GetValue<string>();
            if (format != FormatName) throw new JsonException($"format is '{format}', expected '{FormatName}'.");
            var version = root["format_version"]?.GetValue<int>();
            if (version != FormatVersion) throw new JsonException($"format version {version} is not supported (this library reads {FormatVersion}).");
            result = root.Deserialize<CalibrationResult>(Json) ?? throw new JsonException("the file holds 'null'.");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new CalibrationException($"{path}: not a valid calibration file ({e.Message})");
        }
        try
        {
            CheckThreshold(result.Threshold, result.HigherIsCloser, "threshold");
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new CalibrationException($"{path}: {e.Message}");
        }
        return result;
    }

    /// <summary>
    /// The calibration that goes with <paramref name="index"/>: <paramref name="path"/>, or <c>calibration.json</c> in
    /// the index folder; checked to be in the index's measure and, when it records one, from the index's model.
    /// </summary>
    /// <exception cref="CalibrationException">No calibration file (the message says how to make one), or it belongs to another model or measure (names both).</exception>
    public static CalibrationResult ReadFor(Search.EmbeddingIndex index, string? path = null)
    {
        Guard.NotNull(index, nameof(index));
        path ??= index.Path is null ? null : Path.Combine(index.Path, FileName);
        if (path is null || !File.Exists(path))
            throw new CalibrationException($"{path ?? "the index"}: no calibration; calibrate a threshold on labelled validation data (ThresholdCalibrator, or the calibrate command) and save it as {FileName} in the index or model folder, or give a threshold explicitly.");
        var result = Read(path);
        if (result.Measure != index.MeasureName)
            throw new CalibrationException($"{path}: calibrated for the measure {result.Measure}, but the index uses {index.MeasureName}.");
        if (result.ModelFingerprint is { } fp && !string.Equals(fp, index.ModelFingerprint, StringComparison.OrdinalIgnoreCase))
            throw new CalibrationException($"{path}: calibrated on embeddings of model {fp}, but the index was built by model {index.ModelFingerprint}.");
        return result;
    }

    /// <summary>Checks a threshold: finite, and ≥ 0 for a distance (a similarity threshold may be negative).</summary>
    internal static void CheckThreshold(double threshold, bool higherIsCloser, string name) => Search.Matcher.CheckThreshold(threshold, higherIsCloser, name);

    private static CalibrationResult WithoutCurve(CalibrationResult r) => r with { Curve = [] };
}
