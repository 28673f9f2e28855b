using TripletSharp.Data;
using TripletSharp.Export;
using TripletSharp.Models;
using TripletSharp.Onnx;
using TripletSharp.Tests.Models;

namespace TripletSharp.Tests.Export;

public sealed class OnnxEmbedderTests : IClassFixture<ExportFixture>, IDisposable
{
    private readonly ExportFixture data;
    private readonly TestFolder dir = new("onnx");
    private readonly string imageModel;
    private readonly string vectorModel;

    public OnnxEmbedderTests(ExportFixture data)
    {
        this.data = data;
        imageModel = dir["conv.onnx"];
        vectorModel = dir["mlp.onnx"];
        using (var conv = data.NewBundle(ModelKind.ConvNet, DataKind.Images)) OnnxExporter.Export(conv, imageModel);
        using (var mlp = data.NewBundle(ModelKind.Mlp, DataKind.Vectors, hidden: [32])) OnnxExporter.Export(mlp, vectorModel);
    }

    public void Dispose() => dir.Dispose();

    [Fact]
    public void MissingFile_Folder_AndNotAnOnnxModel_AreTypedErrorsNamingThePath()
    {
        var missing = dir["nope.onnx"];
        var e = Assert.Throws<OnnxModelException>(() => new OnnxEmbedder(missing));
        Assert.Equal(missing, e.Path);
        Assert.Contains("no such ONNX model file", e.Message);

        e = Assert.Throws<OnnxModelException>(() => new OnnxEmbedder(dir.Path));
        Assert.Contains("is a folder", e.Message);

        var garbage = dir["garbage.onnx"];
        File.WriteAllText(garbage, "this is not a protobuf model");
        e = Assert.Throws<OnnxModelException>(() => new OnnxEmbedder(garbage));
        Assert.StartsWith(garbage + ": not a valid ONNX model", e.Message);

        var empty = dir["empty.onnx"];
        File.WriteAllBytes(empty, []);
        Assert.Throws<OnnxModelException>(() => new OnnxEmbedder(empty));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxEmbedder(imageModel, new OnnxEmbedderOptions { IntraOpThreads = -1 }));
    }

    [Fact]
    public void WrongInputWidthOrShape_IsAnArgumentErrorNamingTheExpectedItems()
    {
        using var images = new OnnxEmbedder(imageModel);
        var e = Assert.Throws<ArgumentException>(() => images.Embed(new float[3, 783]));
        Assert.Equal("items", e.ParamName);
        Assert.Contains("784 values (grey images 1×28×28), got 783", e.Message);

        e = Assert.Throws<ArgumentException>(() => images.Embed(new float[784 * 2 + 5].AsSpan()));
        Assert.Contains("2 items and 5 left over", e.Message);

        e = Assert.Throws<ArgumentException>(() => images.Embed(new float[2, 1, 28, 27]));
        Assert.Equal("images", e.ParamName);
        Assert.Contains("N×1×28×28", e.Message);

        e = Assert.Throws<ArgumentException>(() => images.Embed(new float[784], new float[15]));
        Assert.Equal("destination", e.ParamName);

        Assert.Throws<ArgumentOutOfRangeException>(() => images.Embed(new float[784].AsSpan(), batchSize: 0));

        using var vectors = new OnnxEmbedder(vectorModel);
        e = Assert.Throws<ArgumentException>(() => vectors.Embed(new float[1, 10]));
        Assert.Contains("vectors of 784 features", e.Message);
    }

    [Fact]
    public void EveryEmbedShapeGivesTheSameNumbers_AndEmptyInputGivesNoRows()
    {
        using var embedder = new OnnxEmbedder(imageModel, new OnnxEmbedderOptions { IntraOpThreads = 1 });
        int n = 40, d = embedder.EmbeddingDim;
        var flat = data.TestImages.AsSpan(0, n * 784);
        var fromSpan = embedder.Embed(flat);
        var rows = new float[n, 784];
        var images = new float[n, 1, 28, 28];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < 784; j++)
            {
                rows[i, j] = flat[i * 784 + j];
                images[i, 0, j / 28, j % 28] = flat[i * 784 + j];
            }
        var fromRows = embedder.Embed(rows, batchSize: 7);
        var fromImages = embedder.Embed(images, batchSize: 1);
        var into = new float[n * d];
        embedder.Embed(flat, into, batchSize: 16);
        Assert.Equal(n * d, fromSpan.Length);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < d; k++)
            {
                Assert.Equal(fromSpan[i * d + k], fromRows[i, k], 6);
                Assert.Equal(fromSpan[i * d + k], fromImages[i, k], 6);
                Assert.Equal(fromSpan[i * d + k], into[i * d + k], 6);
            }
        // Unit rows: the model L2-normalises.
        for (int i = 0; i < n; i++)
            Assert.Equal(1.0, Math.Sqrt(Enumerable.Range(0, d).Sum(k => (double)fromSpan[i * d + k] * fromSpan[i * d + k])), 5);
        Assert.Equal(0, embedder.Embed(new float[0, 784]).GetLength(0));
        Assert.Equal(d, embedder.Embed(new float[0, 784]).GetLength(1));
        Assert.Empty(embedder.Embed(ReadOnlySpan<float>.Empty));
    }

    [Fact]
    public void ConcurrentCallersShareOneSession()
    {
        using var embedder = new OnnxEmbedder(vectorModel);
        var expected = embedder.Embed(data.TestImages.AsSpan(0, 50 * 784));
        var results = new float[8][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            var mine = new float[50 * embedder.EmbeddingDim];
            for (int r = 0; r < 5; r++) embedder.Embed(data.TestImages.AsSpan(0, 50 * 784), mine, batchSize: 50);
            results[t] = mine;
        });
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void ForeignModelWithoutMetadata_RunsWithDefaults_AndNonEmbeddingGraphsAreRejected()
    {
        var proto = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(vectorModel));
        proto.MetadataProps.Clear();
        var foreign = dir["foreign.onnx"];
        File.WriteAllBytes(foreign, Google.Protobuf.MessageExtensions.ToByteArray(proto));
        using (var e = new OnnxEmbedder(foreign))
        using (var original = new OnnxEmbedder(vectorModel))
        {
            Assert.False(e.Info.IsTripletSharpModel);
            Assert.Null(e.Info.Architecture);
            Assert.Equal("vectors", e.Info.InputKind);
            Assert.Equal("euclidean", e.DistanceName);
            Assert.Empty(e.ClassNames);
            Assert.Equal(original.Embed(data.TestImages.AsSpan(0, 784 * 3)), e.Embed(data.TestImages.AsSpan(0, 784 * 3)));
        }

        // A free item dimension: not a fixed-shape embedding model.
        proto.Graph.Input[0].Type.TensorType.Shape.Dim[1].ClearDimValue();
        proto.Graph.Input[0].Type.TensorType.Shape.Dim[1].DimParam = "features";
        var dynamic = dir["dynamic.onnx"];
        File.WriteAllBytes(dynamic, Google.Protobuf.MessageExtensions.ToByteArray(proto));
        var error = Assert.Throws<OnnxModelException>(() => new OnnxEmbedder(dynamic));
        Assert.Contains("must be batch × a fixed item shape", error.Message);

        // Metadata that contradicts the graph.
        var lying = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(vectorModel));
        lying.MetadataProps.Single(p => p.Key == OnnxMetadataKeys.EmbeddingDim).Value = "99";
        var lyingPath = dir["lying.onnx"];
        File.WriteAllBytes(lyingPath, Google.Protobuf.MessageExtensions.ToByteArray(lying));
        error = Assert.Throws<OnnxModelException>(() => new OnnxEmbedder(lyingPath));
        Assert.Contains("'tripletsharp.embedding_dim' is '99' but the graph output has 16 dimensions", error.Message);
    }
}
