using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TripletSharp.Search;

/// <summary>
/// The index folder: its manifest, its files' sizes and SHA-256, and the whole-folder swap that makes a save atomic
/// (a new folder is written beside the old one, then renamed into its place; the old one is then removed, while
/// readers that hold its files open keep reading them).
/// </summary>
internal static class IndexFolder
{
    public const string Manifest = "index.json";
    public const string Embeddings = "embeddings.f32";
    public const string Labels = "labels.i32";
    public const string Classes = "classes.json";
    public const string Ids = "ids.json";
    public const string Graph = "graph.usearch";

    public static readonly JsonSerializerOptions Json = JsonDefaults.Strict;

    /// <summary>Writes the folder: each file through its writer into a new sibling folder, the manifest last, then the swap.</summary>
    /// <param name="folder">Target folder.</param>
    /// <param name="manifest">Manifest; its file list is filled in here.</param>
    /// <param name="files">File names and writers (given the full path to write to).</param>
    public static void Write(string folder, IndexManifest manifest, IReadOnlyList<(string Name, Action<string> Write)> files)
    {
        var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(folder));
        if (File.Exists(full)) throw new IndexFormatException(folder, "is a file; an index is a folder.");
        var parent = System.IO.Path.GetDirectoryName(full) ?? throw new IndexFormatException(folder, "has no parent folder to write beside.");
        var name = System.IO.Path.GetFileName(full);
        Directory.CreateDirectory(parent);
        var tmp = System.IO.Path.Combine(parent, $".{name}.new-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            var entries = new List<IndexFileEntry>();
            foreach (var (fileName, write) in files)
            {
                var path = System.IO.Path.Combine(tmp, fileName);
                write(path);
                entries.Add(new IndexFileEntry { Name = fileName, Bytes = new FileInfo(path).Length, Sha256 = Hash(path) });
            }
            // Files that others keep in the folder (calibration.json) travel into the new one.
            if (Directory.Exists(full))
            {
                foreach (var f in Directory.GetFiles(full))
                {
                    var n = System.IO.Path.GetFileName(f);
                    if (n == Manifest || n.StartsWith('.') || files.Any(x => x.Name == n)) continue;
                    File.Copy(f, System.IO.Path.Combine(tmp, n));
                }
            }
            manifest.Files = entries.ToArray();
            AtomicFile.WriteAllText(System.IO.Path.Combine(tmp, Manifest), JsonSerializer.Serialize(manifest, Json) + "\n");
            Swap(tmp, full, parent, name);
        }
        catch
        {
            TryDeleteFolder(tmp);
            throw;
        }
    }

    private static void Swap(string tmp, string full, string parent, string name)
    {
        if (!Directory.Exists(full))
        {
            Directory.Move(tmp, full);
            return;
        }
        var old = System.IO.Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
        Directory.Move(full, old);
        try
        {
            Directory.Move(tmp, full);
        }
        catch
        {
            Directory.Move(old, full);
            throw;
        }
        TryDeleteFolder(old);
    }

    /// <summary>Whether a swap of <paramref name="full"/> may be under way (a sibling new or old folder exists).</summary>
    public static bool SwapPending(string full)
    {
        var parent = System.IO.Path.GetDirectoryName(full);
        if (parent is null || !Directory.Exists(parent)) return false;
        var name = System.IO.Path.GetFileName(full);
        return Directory.GetDirectories(parent, $".{name}.*").Length > 0;
    }

    public static string Hash(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }

    private static void TryDeleteFolder(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Reads the manifest's bytes (null when absent).</summary>
    public static byte[]? ReadManifestBytes(string full)
    {
        try { return File.ReadAllBytes(System.IO.Path.Combine(full, Manifest)); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    /// <summary>Parses and checks the manifest, then every listed file's size and (with <paramref name="verify"/>) SHA-256.</summary>
    public static IndexManifest Check(string folder, string full, byte[] manifestBytes, bool verify)
    {
        var manifestPath = System.IO.Path.Combine(folder, Manifest);
        IndexManifest m;
        try
        {
            m = JsonSerializer.Deserialize<IndexManifest>(manifestBytes, Json) ?? throw new JsonException("the file holds 'null'.");
        }
        catch (JsonException e)
        {
            throw new IndexFormatException(manifestPath, $"not a valid index manifest ({e.Message})", e);
        }
        if (m.Format != EmbeddingIndex.FormatName) throw new IndexFormatException(manifestPath, $"format is '{m.Format}', expected '{EmbeddingIndex.FormatName}'.");
        if (m.FormatVersion != EmbeddingIndex.FormatVersion) throw new IndexFormatException(manifestPath, $"format version {m.FormatVersion} is not supported (this library reads {EmbeddingIndex.FormatVersion}).");
        if (m.Count < 0 || m.Dimension <= 0) throw new IndexFormatException(manifestPath, $"count {m.Count} and dimension {m.Dimension} are not valid.");
        if (m.Measure is null || !IndexMeasure.Names.Contains(m.Measure)) throw new IndexFormatException(manifestPath, $"measure '{m.Measure}' is not one of {string.Join(", ", IndexMeasure.Names)}.");
        if (m.ModelFingerprint is null) throw new IndexFormatException(manifestPath, "has no model_fingerprint.");
        if (m.Kind == IndexKind.Hnsw && m.Hnsw is null) throw new IndexFormatException(manifestPath, "an hnsw index without its hnsw settings.");
        var files = m.Files ?? throw new IndexFormatException(manifestPath, "has no file list.");
        var required = new List<string> { Embeddings, Labels, Classes, Ids };
        if (m.Kind == IndexKind.Hnsw) required.Add(Graph);
        foreach (var r in required)
        {
            if (!files.Any(f => f.Name == r)) throw new IndexFormatException(manifestPath, $"does not list the file '{r}'.");
        }
        foreach (var f in files)
        {
            if (f.Name is null || f.Name.Contains('/') || f.Name.Contains('\\') || f.Name.StartsWith('.'))
                throw new IndexFormatException(manifestPath, $"lists an invalid file name '{f.Name}'.");
            var path = System.IO.Path.Combine(full, f.Name);
            var shown = System.IO.Path.Combine(folder, f.Name);
            var info = new FileInfo(path);
            if (!info.Exists) throw new IndexFormatException(shown, "missing (the manifest lists it).");
            if (info.Length != f.Bytes)
                throw new IndexFormatException(shown, $"is {info.Length} bytes but the manifest says {f.Bytes} ({(info.Length < f.Bytes ? "truncated" : "longer than written")}).");
            if (verify && !string.Equals(Hash(path), f.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new IndexFormatException(shown, $"SHA-256 does not match the manifest (the file is corrupted or was changed after saving).");
        }
        long expected = (long)m.Count * m.Dimension * 4;
        var emb = files.First(f => f.Name == Embeddings);
        if (emb.Bytes != expected)
            throw new IndexFormatException(System.IO.Path.Combine(folder, Embeddings), $"is {emb.Bytes} bytes; {m.Count} rows × {m.Dimension} float32 need {expected}.");
        var lab = files.First(f => f.Name == Labels);
        if (lab.Bytes != (long)m.Count * 4)
            throw new IndexFormatException(System.IO.Path.Combine(folder, Labels), $"is {lab.Bytes} bytes; {m.Count} int32 labels need {(long)m.Count * 4}.");
        return m;
    }
}
