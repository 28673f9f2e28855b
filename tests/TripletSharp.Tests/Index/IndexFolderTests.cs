using TripletSharp.Distances;
using TripletSharp.Models;
using TripletSharp.Search;
using TripletSharp.Tests.Data;

namespace TripletSharp.Tests.Index;

public class IndexFolderTests
{
    private static string BuildSaved(TempDir dir, IndexKind kind, int n = 120, string fingerprint = "fp-a")
    {
        var (x, labels, classes, ids) = IndexTestData.Clustered(n, 8, 4, seed: 20);
        using var index = EmbeddingIndex.Build(x, labels, classes, ids, new EuclideanDistance(), fingerprint, kind);
        var folder = dir.File("idx");
        index.Save(folder);
        return folder;
    }

    [Theory]
    [InlineData(IndexKind.Exact, "embeddings.f32")]
    [InlineData(IndexKind.Hnsw, "embeddings.f32")]
    [InlineData(IndexKind.Hnsw, "graph.usearch")]
    [InlineData(IndexKind.Exact, "labels.i32")]
    [InlineData(IndexKind.Exact, "ids.json")]
    public void TruncatedFile_IsATypedErrorNamingTheFile(IndexKind kind, string file)
    {
        using var dir = new TempDir();
        var folder = BuildSaved(dir, kind);
        var path = Path.Combine(folder, file);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        foreach (var verify in new[] { true, false })
        {
            var e = Assert.Throws<IndexFormatException>(() => EmbeddingIndex.Open(folder, new IndexOpenOptions { Verify = verify }));
            Assert.EndsWith(file, e.FilePath);
            Assert.Contains("truncated", e.Message);
        }
    }

    [Theory]
    [InlineData(IndexKind.Exact, "embeddings.f32")]
    [InlineData(IndexKind.Hnsw, "embeddings.f32")]
    [InlineData(IndexKind.Hnsw, "graph.usearch")]
    [InlineData(IndexKind.Exact, "classes.json")]
    public void CorruptedFile_IsATypedErrorNamingTheFile(IndexKind kind, string file)
    {
        using var dir = new TempDir();
        var folder = BuildSaved(dir, kind);
        var path = Path.Combine(folder, file);
        var bytes = File.ReadAllBytes(path);
        // Corrupt the start of the file (the graph's header, or the first embedding) without changing its size.
        for (int i = 0; i < Math.Min(64, bytes.Length); i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<IndexFormatException>(() => EmbeddingIndex.Open(folder));
        Assert.EndsWith(file, e.FilePath);
        Assert.Contains("SHA-256", e.Message);
    }

    [Fact]
    public void MissingManifestOrFolder_IsATypedError()
    {
        using var dir = new TempDir();
        var folder = BuildSaved(dir, IndexKind.Exact);
        Assert.Contains("no such index folder", Assert.Throws<IndexFormatException>(() => EmbeddingIndex.Open(dir.File("nothing"))).Message);
        File.Delete(Path.Combine(folder, "index.json"));
        Assert.EndsWith("index.json", Assert.Throws<IndexFormatException>(() => EmbeddingIndex.Open(folder)).FilePath);
        File.WriteAllText(dir.File("afile"), "x");
        Assert.Throws<IndexFormatException>(() => EmbeddingIndex.Open(dir.File("afile")));
    }

    [Fact]
    public void GarbageManifest_IsATypedError()
    {
        using var dir = new TempDir();
        var folder = BuildSaved(dir, IndexKind.Exact);
        File.WriteAllText(Path.Combine(folder, "index.json"), "{ \"format\": 3");
        Assert.EndsWith("index.json", Assert.Throws<IndexFormatException>(() => EmbeddingIndex.Open(folder)).FilePath);
    }

    [Fact]
    public void IndexFromAnotherModelDimensionOrMeasure_IsRefusedNamingBothFingerprints()
    {
        using var dir = new TempDir();
        using var index = EmbeddingIndex.Open(BuildSaved(dir, IndexKind.Exact, fingerprint: "aaaa1111"));
        index.CheckCompatible("AAAA1111", 8, new EuclideanDistance());
        var model = Assert.Throws<IndexMismatchException>(() => index.CheckCompatible("bbbb2222", 8, new EuclideanDistance()));
        Assert.Contains("aaaa1111", model.Message);
        Assert.Contains("bbbb2222", model.Message);
        var dim = Assert.Throws<IndexMismatchException>(() => index.CheckCompatible("aaaa1111", 16, new EuclideanDistance()));
        Assert.Contains("16-d", dim.Message);
        Assert.Contains("aaaa1111", dim.Message);
        var measure = Assert.Throws<IndexMismatchException>(() => index.CheckCompatible("aaaa1111", 8, new CosineDistance()));
        Assert.Contains("cosine", measure.Message);
        Assert.Throws<IndexMismatchException>(() => index.CheckCompatible("aaaa1111", 8, new EuclideanDistance(normalizeEmbeddings: true)));
    }

    [Theory]
    [InlineData(IndexKind.Exact, "embeddings.f32")]
    [InlineData(IndexKind.Hnsw, "graph.usearch")]
    [InlineData(IndexKind.Hnsw, "index.json")]
    public void InterruptedAdd_LeavesThePreviousIndexIntactAndSearchable(IndexKind kind, string failingFile)
    {
        using var dir = new TempDir();
        var folder = BuildSaved(dir, kind, n: 100);
        File.WriteAllText(Path.Combine(folder, "calibration.json"), "{}");
        var before = Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        var (more, labels, _, _) = IndexTestData.Clustered(30, 8, 4, seed: 21);
        using (var index = EmbeddingIndex.Open(folder))
        {
            index.Add(more, labels, Enumerable.Range(0, 30).Select(i => $"new/{i}").ToArray());
            AtomicFile.FaultInjector.Value = p => { if (Path.GetFileName(p) == failingFile) throw new IOException("disk full (simulated)"); };
            try
            {
                Assert.Throws<IOException>(() => index.Save());
            }
            finally
            {
                AtomicFile.FaultInjector.Value = null;
            }
        }
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        foreach (var (name, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(folder, name)));
        Assert.Equal(new[] { "idx" }, Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
        using var reopened = EmbeddingIndex.Open(folder);
        Assert.Equal(100, reopened.Count);
        Assert.Equal(3, reopened.Search(more, 3)[0].Length);
    }

    [Fact]
    public void Save_CarriesOtherFilesOver_AndRefusesToOverwriteAFolderReplacedByAnotherWriter()
    {
        using var dir = new TempDir();
        var folder = BuildSaved(dir, IndexKind.Hnsw, n: 60);
        File.WriteAllText(Path.Combine(folder, "calibration.json"), "{\"threshold\": 1}");
        var (more, labels, _, _) = IndexTestData.Clustered(5, 8, 4, seed: 22);
        using var a = EmbeddingIndex.Open(folder);
        using var b = EmbeddingIndex.Open(folder);
        a.Add(more, labels, ["a0", "a1", "a2", "a3", "a4"]);
        a.Save();
        Assert.Equal("{\"threshold\": 1}", File.ReadAllText(Path.Combine(folder, "calibration.json")));
        b.Add(more, labels, ["b0", "b1", "b2", "b3", "b4"]);
        Assert.Contains("replaced by another writer", Assert.Throws<InvalidOperationException>(() => b.Save()).Message);
        using var c = EmbeddingIndex.Open(folder);
        Assert.Equal(65, c.Count);
        Assert.Equal("a4", c.ItemIds[^1]);
    }

    [Theory]
    [InlineData(IndexKind.Exact)]
    [InlineData(IndexKind.Hnsw)]
    public async Task TwoReadersSearch_WhileAddReplacesTheIndex(IndexKind kind)
    {
        using var dir = new TempDir();
        var folder = BuildSaved(dir, kind, n: 80);
        var (q, _, _, _) = IndexTestData.Clustered(4, 8, 4, seed: 23);
        using var held = EmbeddingIndex.Open(folder);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var counts = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var stop = new CancellationTokenSource();
        var readers = new[]
        {
            // Reader 1 keeps the index it opened before the writes and searches it throughout.
            Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try { Assert.Equal(3, held.Search(q, 3)[0].Length); }
                    catch (Exception e) { errors.Enqueue(e); }
                }
            }),
            // Reader 2 opens the folder afresh again and again while it is being replaced.
            Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        using var fresh = EmbeddingIndex.Open(folder);
                        Assert.Equal(3, fresh.Search(q, 3)[0].Length);
                        counts.Add(fresh.Count);
                    }
                    catch (Exception e) { errors.Enqueue(e); }
                }
            }),
        };
        for (int round = 0; round < 6; round++)
        {
            using var writer = EmbeddingIndex.Open(folder);
            var (more, labels, _, _) = IndexTestData.Clustered(10, 8, 4, seed: 100 + round);
            writer.Add(more, labels, Enumerable.Range(0, 10).Select(i => $"r{round}/{i}").ToArray());
            writer.Save();
        }
        Thread.Sleep(50);
        stop.Cancel();
        await Task.WhenAll(readers);
        Assert.Empty(errors);
        Assert.All(counts, c => Assert.True(c >= 80 && c <= 140 && c % 10 == 0, $"count {c}"));
        Assert.Equal(80, held.Count);
        using var last = EmbeddingIndex.Open(folder);
        Assert.Equal(140, last.Count);
    }

    [Fact]
    public void ModelFingerprint_HashesModelJsonAndTheWeightsItNames()
    {
        using var dir = new TempDir();
        var model = dir.Dir("model");
        File.WriteAllText(Path.Combine(model, "model.json"), "{\"weights\": \"weights-1.bin\"}");
        File.WriteAllBytes(Path.Combine(model, "weights-1.bin"), [1, 2, 3]);
        var fp = ModelFingerprint.Compute(model);
        static string Sha(byte[] b) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(b));
        var expected = Sha(System.Text.Encoding.UTF8.GetBytes(
            $"tripletsharp-model-fingerprint-v1\n{Sha(File.ReadAllBytes(Path.Combine(model, "model.json")))}\n{Sha([1, 2, 3])}\n"));
        Assert.Equal(expected, fp);
        Assert.Equal(64, fp.Length);
        Assert.Equal(fp[..12], ModelFingerprint.Short(fp));
        File.WriteAllBytes(Path.Combine(model, "weights-1.bin"), [1, 2, 4]);
        Assert.NotEqual(fp, ModelFingerprint.Compute(model));
        File.Delete(Path.Combine(model, "weights-1.bin"));
        Assert.EndsWith("weights-1.bin", Assert.Throws<ModelFormatException>(() => ModelFingerprint.Compute(model)).FilePath);
        Assert.Throws<ModelFormatException>(() => ModelFingerprint.Compute(dir.File("none")));
    }
}
