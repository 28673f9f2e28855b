using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace TripletSharp.Data;

/// <summary>
/// Multi-label image folders (opt-in, <see cref="DataOptions.MultiLabelFolders"/>): one folder per label, and an image
/// that carries several labels stored once in each of their folders.
/// </summary>
/// <remarks>
/// The rule: two items are the same item when their paths below their class folders are equal (<c>tops/a/x.png</c> and
/// <c>summer/a/x.png</c>: <c>a/x.png</c>) and their decoded pixels are identical. Such items become one item whose label set
/// holds all their classes; its first label (the one the P×K sampler draws it by) is the lowest class index, its
/// name and pixels the first occurrence's. Files with the same relative name but other pixels stay separate items. Without
/// the option nothing changes: the copies are separate single-label items, as before.
/// </remarks>
public static class MultiLabelFolders
{
    /// <summary>
    /// Merges the copies of one file found in several class folders of <paramref name="data"/> (item names as the folder
    /// reader gives them, relative paths with '/') into multi-label items; returns <paramref name="data"/> itself when
    /// there is nothing to merge, else a new dataset (the caller keeps ownership of <paramref name="data"/>).
    /// </summary>
    public static Dataset Merge(Dataset data)
    {
        Guard.NotNull(data, nameof(data));
        if (data.ItemNames is null || data.Count == 0) return data;
        using var scope = NewDisposeScope();
        var rows = data.Features.reshape(data.Count, -1).contiguous();
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var owner = new int[data.Count];
        var sets = new List<SortedSet<long>>();
        var keep = new List<int>();
        for (int i = 0; i < data.Count; i++)
        {
            string key = BelowClass(data.ItemNames[i], data.ClassNames[(int)data.Labels[i]]);
            if (!groups.TryGetValue(key, out var candidates)) groups[key] = candidates = new List<int>();
            int found = -1;
            foreach (int j in candidates)
                if (SamePixels(rows, keep[owner[j]], i)) { found = owner[j]; break; }
            if (found < 0)
            {
                found = keep.Count;
                keep.Add(i);
                sets.Add(new SortedSet<long>());
                candidates.Add(i);
            }
            owner[i] = found;
            sets[found].Add(data.Labels[i]);
        }
        if (keep.Count == data.Count) return data;
        using var merged = data.Subset(keep);
        var labelSets = sets.Select(s => s.ToArray()).ToArray();
        var features = merged.Features.alias().MoveToOuterDisposeScope();
        return new Dataset(features, labelSets.Select(s => s[0]).ToArray(), data.ClassNames, data.Kind, merged.ItemNames, labelSets);
    }

    /// <summary>The part of an item name below its class folder (the whole name when no segment is the class).</summary>
    internal static string BelowClass(string name, string className)
    {
        var parts = name.Split('/');
        int at = Array.IndexOf(parts, className);
        return at < 0 ? name : string.Join('/', parts.Skip(at + 1));
    }

    private static bool SamePixels(Tensor rows, int a, int b)
    {
        var x = rows[a].data<float>();
        var y = rows[b].data<float>();
        for (long k = 0; k < x.Count; k++)
            if (BitConverter.SingleToInt32Bits(x[k]) != BitConverter.SingleToInt32Bits(y[k])) return false;
        return true;
    }
}
