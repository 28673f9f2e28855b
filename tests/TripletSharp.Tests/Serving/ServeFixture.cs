using TripletSharp.Data;
using TripletSharp.Distances;
using TripletSharp.Models;
using TripletSharp.Search;
using TripletSharp.Tests.Cli;
using TripletSharp.Tests.Export;
using TripletSharp.Tests.Models;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Serving;

/// <summary>A saved ConvNet (cosine) over a slice of the bundled sample, an exact index of its 500 training items, and its ONNX export; made once.</summary>
public sealed class ServeFixture : IDisposable
{
    private readonly TestFolder dir = new("serve");
    private int copies;

    public ServeFixture()
    {
        Data = new ExportFixture();
        ModelFolder = dir["model"];
        using (var trained = Data.NewBundle(ModelKind.ConvNet, DataKind.Images, trainSteps: 10)) trained.Save(ModelFolder);
        Bundle = ModelBundle.Load(ModelFolder);
        Fingerprint = ModelFingerprint.Compute(ModelFolder);
        IndexFolder = dir["index"];
        var train = Data.Split.Train;
        using (var emb = Bundle.Embed(train))
        {
            GalleryEmbeddings = Rows(emb);
            using var index = EmbeddingIndex.Build(emb, train.Labels, train.ClassNames,
                Enumerable.Range(0, train.Count).Select(i => $"train/{i}").ToArray(), new CosineDistance(), Fingerprint);
            index.Save(IndexFolder);
        }
        OnnxPath = dir["model.onnx"];
        var (code, _, err) = CliRunner.Run("export", "--model", ModelFolder, "--format", "onnx", "--out", OnnxPath);
        Assert.True(code == 0, err);
    }

    public ExportFixture Data { get; }

    public string ModelFolder { get; }

    public ModelBundle Bundle { get; }

    public string Fingerprint { get; }

    public string IndexFolder { get; }

    public string OnnxPath { get; }

    /// <summary>The index's rows (the embeddings of the 500 training items), in index order.</summary>
    public float[][] GalleryEmbeddings { get; }

    public int ItemLength => 784;

    /// <summary>Test item <paramref name="i"/> (1×28×28 values in [0, 1]).</summary>
    public float[] Item(int i) => Data.TestImages.AsSpan(i * ItemLength, ItemLength).ToArray();

    /// <summary>ModelBundle.Embed of the given items.</summary>
    public float[][] Embed(params float[][] items)
    {
        using var scope = NewDisposeScope();
        var x = tensor(items.SelectMany(r => r).ToArray(), new long[] { items.Length, 1, 28, 28 });
        return Rows(Bundle.Embed(x));
    }

    /// <summary>A fresh copy of the index folder, for tests that add items.</summary>
    public string CopyIndex()
    {
        var target = dir[$"index-copy-{Interlocked.Increment(ref copies)}"];
        Directory.CreateDirectory(target);
        foreach (var f in Directory.GetFiles(IndexFolder)) File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
        return target;
    }

    public string Path2(string name) => dir[name];

    private static float[][] Rows(Tensor t)
    {
        var c = t.to_type(ScalarType.Float32).contiguous();
        int n = (int)c.shape[0], d = (int)c.shape[1];
        var flat = c.data<float>().ToArray();
        return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
    }

    public void Dispose()
    {
        Bundle.Dispose();
        Data.Dispose();
        dir.Dispose();
    }
}
