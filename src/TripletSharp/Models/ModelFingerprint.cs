using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TripletSharp.Models;

/// <summary>
/// The identity of a saved model: SHA-256 over its <c>model.json</c> and the weights file that it names. Indexes and
/// calibrations record it, so that data made by one model is never used with another.
/// </summary>
public static class ModelFingerprint
{
    /// <summary>
    /// The fingerprint of the model saved in <paramref name="modelFolder"/>: lower-case hex SHA-256 of
    /// <c>"tripletsharp-model-fingerprint-v1\n" + SHA-256(model.json) + "\n" + SHA-256(weights file) + "\n"</c>.
    /// </summary>
    /// <exception cref="ModelFormatException">The folder, <c>model.json</c> or the weights file it names is missing or unreadable.</exception>
    public static string Compute(string modelFolder)
    {
        Guard.NotNull(modelFolder, nameof(modelFolder));
        if (!Directory.Exists(modelFolder)) throw new ModelFormatException(modelFolder, "no such model folder.");
        var manifestPath = Path.Combine(modelFolder, ModelBundle.ManifestFileName);
        if (!File.Exists(manifestPath)) throw new ModelFormatException(manifestPath, "missing: the folder is not a TripletSharp model.");
        var manifest = File.ReadAllBytes(manifestPath);
        string? weights;
        try
        {
            using var doc = JsonDocument.Parse(manifest);
            weights = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("weights", out var w) && w.ValueKind == JsonValueKind.String ? w.GetString() : null;
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(manifestPath, $"not valid JSON ({e.Message})", e);
        }
        if (string.IsNullOrEmpty(weights) || weights.Contains('/') || weights.Contains('\\'))
            throw new ModelFormatException(manifestPath, "does not name a weights file in the model folder ('weights').");
        var weightsPath = Path.Combine(modelFolder, weights);
        if (!File.Exists(weightsPath)) throw new ModelFormatException(weightsPath, "missing (model.json names it).");
        string weightsHash;
        using (var fs = new FileStream(weightsPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            weightsHash = Convert.ToHexStringLower(SHA256.HashData(fs));
        return Of(Convert.ToHexStringLower(SHA256.HashData(manifest)), weightsHash);
    }

    /// <summary>The fingerprint of a model whose <c>model.json</c> and weights file have these SHA-256 hashes (hex).</summary>
    public static string Of(string manifestSha256, string weightsSha256)
    {
        Guard.NotNull(manifestSha256, nameof(manifestSha256));
        Guard.NotNull(weightsSha256, nameof(weightsSha256));
        var text = $"tripletsharp-model-fingerprint-v1\n{manifestSha256.ToLowerInvariant()}\n{weightsSha256.ToLowerInvariant()}\n";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The first 12 hex digits, for display.</summary>
    public static string Short(string fingerprint)
    {
        Guard.NotNull(fingerprint, nameof(fingerprint));
        return fingerprint.Length <= 12 ? fingerprint : fingerprint[..12];
    }
}
