using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Cli;

/// <summary>Matches the paths of a verification pairs file (<see cref="PairsFile"/>) to items of the embedded data, by item name.</summary>
internal static class PairMatcher
{
    /// <summary>The two embedding matrices and the same/different flags of every pair.</summary>
    /// <exception cref="DataFormatException">A path names no item of the data (the message names the file and line).</exception>
    public static (Tensor First, Tensor Second, bool[] Same) Match(string path, EmbeddingSet items)
    {
        var pairs = PairsFile.Read(path);
        if (items.ItemNames is null) throw new DataFormatException(path, "the data has no item names, so pairs cannot be matched to items.");
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        var byFile = new Dictionary<string, int>(StringComparer.Ordinal);
        var ambiguous = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < items.Count; i++)
        {
            var n = Normalise(items.ItemNames[i]);
            byName.TryAdd(n, i);
            var f = Path.GetFileName(n);
            if (!byFile.TryAdd(f, i)) ambiguous.Add(f);
        }
        int Find(string name, int pair)
        {
            var n = Normalise(name);
            if (byName.TryGetValue(n, out var i)) return i;
            // A path that ends with an item name, or an item name that ends with the path: exactly one may match.
            var candidates = byName.Where(kv => n.EndsWith("/" + kv.Key, StringComparison.Ordinal) || kv.Key.EndsWith("/" + n, StringComparison.Ordinal)).ToList();
            if (candidates.Count > 1)
                throw new DataFormatException(path, $"pair {pair}: item '{name}' is ambiguous: it matches {candidates.Count} items ({string.Join(", ", candidates.Take(5).Select(c => c.Key))}{(candidates.Count > 5 ? ", …" : "")}); give the path relative to the data folder, such as '{candidates[0].Key}'.");
            if (candidates.Count == 1) return candidates[0].Value;
            var f = Path.GetFileName(n);
            if (ambiguous.Contains(f))
                throw new DataFormatException(path, $"pair {pair}: file name '{f}' is ambiguous: several items have it ({string.Join(", ", byName.Keys.Where(k => Path.GetFileName(k) == f).Take(5))}); give the path relative to the data folder.");
            if (byFile.TryGetValue(f, out i)) return i;
            throw new DataFormatException(path, $"pair {pair}: item '{name}' is not in the data.");
        }
        var a = new long[pairs.Count];
        var b = new long[pairs.Count];
        var same = new bool[pairs.Count];
        for (int p = 0; p < pairs.Count; p++)
        {
            a[p] = Find(pairs[p].First, p + 1);
            b[p] = Find(pairs[p].Second, p + 1);
            same[p] = pairs[p].Same;
        }
        using var ia = tensor(a, ScalarType.Int64);
        using var ib = tensor(b, ScalarType.Int64);
        return (items.Embeddings.index_select(0, ia), items.Embeddings.index_select(0, ib), same);
    }

    private static string Normalise(string p) => p.Replace('\\', '/').TrimStart('.', '/');
}
