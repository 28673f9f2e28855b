using System.Globalization;
using TripletSharp.Data;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Cli;

/// <summary>Reads a verification pairs file: lines <c>path1,path2,same</c> (same = 1/0 or true/false; an optional header).</summary>
internal static class PairsFile
{
    /// <summary>The two embedding matrices and the same/different flags of every pair; items are found by their item name.</summary>
    /// <exception cref="DataFormatException">A line is malformed or names an item that is not in the data.</exception>
    public static (Tensor First, Tensor Second, bool[] Same) Read(string path, EmbeddingSet items)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, "pairs file not found.");
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
        int Find(string name, long line)
        {
            var n = Normalise(name);
            if (byName.TryGetValue(n, out var i)) return i;
            foreach (var (k, v) in byName)
                if (k.EndsWith("/" + n, StringComparison.Ordinal) || n.EndsWith("/" + k, StringComparison.Ordinal)) return v;
            var f = Path.GetFileName(n);
            if (!ambiguous.Contains(f) && byFile.TryGetValue(f, out i)) return i;
            throw new DataFormatException(path, $"item '{name}' is not in the data.", line);
        }

        var a = new List<long>();
        var b = new List<long>();
        var same = new List<bool>();
        long lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != 3) throw new DataFormatException(path, $"expected 3 fields 'path1,path2,same', found {parts.Length}.", lineNo);
            bool? flag = parts[2].ToLowerInvariant() switch { "1" or "true" or "same" or "yes" => true, "0" or "false" or "different" or "no" => false, _ => null };
            if (flag is null)
            {
                if (a.Count == 0 && lineNo == 1) continue; // header
                throw new DataFormatException(path, $"'same' must be 1/0 or true/false, got '{parts[2]}'.", lineNo);
            }
            a.Add(Find(parts[0], lineNo));
            b.Add(Find(parts[1], lineNo));
            same.Add(flag.Value);
        }
        if (a.Count == 0) throw new DataFormatException(path, "no pairs found.");
        using var ia = tensor(a.ToArray(), ScalarType.Int64);
        using var ib = tensor(b.ToArray(), ScalarType.Int64);
        return (items.Embeddings.index_select(0, ia), items.Embeddings.index_select(0, ib), same.ToArray());
    }

    private static string Normalise(string p) => p.Replace('\\', '/').TrimStart('.', '/');
}
