using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace TripletSharp.Models;

/// <summary>
/// Loads weights saved by PyTorch into a <see cref="BackboneNet"/>'s backbone: a <c>torch.save(model.state_dict())</c>
/// file (<c>.pt</c>, <c>.pth</c>, any other name) or a <c>.safetensors</c> file of a TorchVision model of the same kind.
/// </summary>
/// <remarks>
/// Keys are PyTorch's: <c>layer1.0.conv1.weight</c> goes to <c>backbone.layer1.0.conv1.weight</c>. The classifier's keys
/// (<c>fc.*</c> for ResNets, <c>classifier.*</c> for MobileNets) are dropped, and so is a <c>module.</c> prefix that
/// every key carries (a model saved from <c>DataParallel</c>). Every other key must match the backbone exactly, by
/// name and shape, both ways; everything is checked before anything is copied, so a file that does not fit leaves the
/// network untouched. The head keeps its own initialisation.
/// </remarks>
public static class PretrainedWeights
{
    /// <summary>Reads a state dictionary saved by PyTorch (<c>torch.save</c>, zip format) or as safetensors.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is neither.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        Guard.NotNull(path, nameof(path));
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such weights file.", path);
        bool safetensors = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
        try
        {
            if (safetensors) return Safetensors.LoadStateDict(path);
            using var stream = File.OpenRead(path);
            Hashtable table = PyTorchUnpickler.UnpickleStateDict(stream);
            var dict = new Dictionary<string, Tensor>();
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Key is not string key || entry.Value is not Tensor tensor)
                    throw new InvalidDataException($"entry '{entry.Key}' is a {entry.Value?.GetType().Name ?? "null"}, not a tensor");
                dict.Add(key, tensor);
            }
            return dict;
        }
        catch (Exception e) when (e is not OutOfMemoryException and not ModelFormatException)
        {
            throw new ModelFormatException(path, safetensors
                ? $"not a readable safetensors file ({e.Message.Split('\n')[0]})"
                : $"not a PyTorch state dict saved with torch.save(model.state_dict()) ({e.Message.Split('\n')[0]})", e);
        }
    }

    /// <summary>Loads the backbone weights in <paramref name="path"/> into <paramref name="model"/>, all or nothing.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightsMismatchException">A key is missing, unexpected or of another shape; nothing was loaded.</exception>
    /// <exception cref="ModelFormatException">The file is not a state dictionary.</exception>
    public static void Load(BackboneNet model, string path)
    {
        Guard.NotNull(model, nameof(model));
        var source = Read(path);
        try
        {
            Load(model, source, path);
        }
        finally
        {
            foreach (var t in source.Values) t.Dispose();
        }
    }

    /// <summary>Loads a state dictionary with PyTorch's key names into <paramref name="model"/>'s backbone, all or nothing.</summary>
    /// <param name="model">The network.</param>
    /// <param name="source">PyTorch's <c>state_dict()</c> of the full TorchVision model (the classifier's keys may be there or not).</param>
    /// <param name="sourceName">Names the source in errors (its file).</param>
    /// <exception cref="WeightsMismatchException">A key is missing, unexpected or of another shape; nothing was loaded.</exception>
    public static void Load(BackboneNet model, IReadOnlyDictionary<string, Tensor> source, string sourceName = "state dict")
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(source, nameof(source));
        string architecture = ModelKinds.Name(model.Kind);
        var mapped = Map(model.Kind, source);
        var destination = model.Backbone.state_dict();
        // Reported in a stable order: wrong shapes and missing keys in the network's order, then unexpected keys by name.
        var problems = new List<WeightKeyMismatch>();
        foreach (var (key, target) in destination)
        {
            if (!mapped.TryGetValue(key, out var tensor)) problems.Add(new WeightKeyMismatch(key, target.shape, null));
            else if (!target.shape.SequenceEqual(tensor.shape)) problems.Add(new WeightKeyMismatch(key, target.shape, tensor.shape));
        }
        foreach (var key in mapped.Keys.Where(k => !destination.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal))
            problems.Add(new WeightKeyMismatch(key, null, mapped[key].shape));
        if (problems.Count > 0) throw new WeightsMismatchException(sourceName, architecture, problems);
        using var noGrad = torch.no_grad();
        foreach (var (key, target) in destination) target.copy_(mapped[key]);
    }

    /// <summary>PyTorch's keys as the backbone names them: without a common <c>module.</c> prefix, without the classifier.</summary>
    private static Dictionary<string, Tensor> Map(ModelKind kind, IReadOnlyDictionary<string, Tensor> source)
    {
        const string parallel = "module.";
        bool strip = source.Count > 0 && source.Keys.All(k => k.StartsWith(parallel, StringComparison.Ordinal));
        string classifier = BackboneNet.ClassifierPrefix(kind);
        var mapped = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, t) in source)
        {
            var key = strip ? k[parallel.Length..] : k;
            if (key.StartsWith(classifier, StringComparison.Ordinal)) continue;
            mapped[key] = t;
        }
        return mapped;
    }
}
