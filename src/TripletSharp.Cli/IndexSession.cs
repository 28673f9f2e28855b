using System.Text.Json;
using System.Text.Json.Nodes;
using TripletSharp.Distances;
using TripletSharp.Models;
using TripletSharp.Search;
using TripletSharp.Training;

namespace TripletSharp.Cli;

/// <summary>
/// An index opened together with the model that embeds its queries, checked to belong together (same fingerprint,
/// dimension and measure). The index folder records the model folder it was built from (<c>source.json</c>), so
/// <c>--model</c> may be left out.
/// </summary>
internal sealed class IndexSession : IDisposable
{
    /// <summary>The file in an index folder that names the model folder it was built from.</summary>
    public const string SourceFileName = "source.json";

    private IndexSession(EmbeddingIndex index, ModelBundle model, string fingerprint, BaseDistance measure)
    {
        Index = index;
        Model = model;
        Fingerprint = fingerprint;
        Measure = measure;
    }

    public EmbeddingIndex Index { get; }

    public ModelBundle Model { get; }

    /// <summary>The model's fingerprint.</summary>
    public string Fingerprint { get; }

    /// <summary>The model's measure.</summary>
    public BaseDistance Measure { get; }

    /// <summary>Opens the index and its model (<paramref name="modelFolder"/>, or the one the index records) and checks that they belong together.</summary>
    /// <exception cref="IndexMismatchException">The index was built by another model, or holds another dimension or measure (names both fingerprints).</exception>
    public static IndexSession Open(string indexFolder, string? modelFolder, IndexOpenOptions? options = null)
    {
        var index = EmbeddingIndex.Open(indexFolder, options);
        ModelBundle? model = null;
        try
        {
            var folder = modelFolder ?? RecordedModel(index.Path!)
                ?? throw new ArgumentException($"'Model' is needed: {indexFolder} does not record the model folder it was built from.", "Model");
            var fingerprint = ModelFingerprint.Compute(folder);
            model = ModelBundle.Load(folder);
            var measure = model.CreateDistance();
            index.CheckCompatible(fingerprint, model.EmbeddingDim, measure);
            return new IndexSession(index, model, fingerprint, measure);
        }
        catch
        {
            model?.Dispose();
            index.Dispose();
            throw;
        }
    }

    /// <summary>Records <paramref name="modelFolder"/> (as a full path) in the index folder.</summary>
    public static void RecordModel(string indexFolder, string modelFolder) =>
        AtomicFile.WriteAllText(Path.Combine(indexFolder, SourceFileName),
            new JsonObject { ["model"] = Path.GetFullPath(modelFolder) }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>The model folder an index folder records, or null.</summary>
    public static string? RecordedModel(string indexFolder)
    {
        var path = Path.Combine(indexFolder, SourceFileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?["model"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        Model.Dispose();
        Index.Dispose();
    }
}
