using TripletSharp.Search;
using TripletSharp.Tests.Data;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Index;

public class EmbeddingIndexTests
{
    public static TheoryData<string, IndexKind> Measures()
    {
        var data = new TheoryData<string, IndexKind>();
        foreach (var m in new[] { "euclidean", "squared-euclidean", "cosine", "dot", "euclidean-normalized", "dot-normalized" })
            foreach (var kind in new[] { IndexKind.Exact, IndexKind.Hnsw })
                data.Add(m, kind);
        return data;
    }

    [Theory]
    [MemberData(nameof(Measures))]
    public void Search_MatchesBruteForce(string measureName, IndexKind kind)
    {
        var measure = IndexTestData.Measure(measureName);
        var (x, labels, classes, ids) = IndexTestData.Clustered(400, 16, 8, seed: 1);
        var (q, _, _, _) = IndexTestData.Clustered(25, 16, 8, seed: 2);
        using var index = EmbeddingIndex.Build(x, labels, classes, ids, measure, "fp", kind);
        var hits = index.Search(q, 10);
        var g = IndexTestData.Rows(x);
        var qs = IndexTestData.Rows(q);
        int found = 0;
        for (int i = 0; i < qs.Length; i++)
        {
            var reference = IndexTestData.Ranking(measure, qs[i], g);
            Assert.Equal(10, hits[i].Length);
            for (int j = 0; j < 10; j++)
            {
                var h = hits[i][j];
                // Every distance is the exact measure of that pair, and the list is in measure order.
                IndexTestData.Near(IndexTestData.Value(measure, qs[i], g[h.Position]), h.Distance);
                Assert.Equal(ids[h.Position], h.Id);
                Assert.Equal(labels[h.Position], h.Label);
                Assert.Equal(classes[labels[h.Position]], h.ClassName);
                if (j > 0) Assert.True(measure.IsInverted ? hits[i][j - 1].Distance >= h.Distance : hits[i][j - 1].Distance <= h.Distance);
                if (kind == IndexKind.Exact) IndexTestData.Near(reference[j].Value, h.Distance);
            }
            var truth = reference.Take(10).Select(r => r.Position).ToHashSet();
            found += hits[i].Count(h => truth.Contains(h.Position));
        }
        double recall = found / (25.0 * 10);
        Assert.True(kind == IndexKind.Exact ? recall == 1 : recall >= 0.95, $"recall@10 = {recall}");
    }

    [Theory]
    [InlineData(IndexKind.Exact, true)]
    [InlineData(IndexKind.Hnsw, true)]
    [InlineData(IndexKind.Hnsw, false)]
    public void SaveOpen_RoundTripsEverything(IndexKind kind, bool view)
    {
        using var dir = new TempDir();
        var (x, labels, classes, ids) = IndexTestData.Clustered(200, 8, 5, seed: 3);
        var (q, _, _, _) = IndexTestData.Clustered(10, 8, 5, seed: 4);
        var folder = dir.File("idx");
        SearchHit[][] before;
        using (var index = EmbeddingIndex.Build(x, labels, classes, ids, new TripletSharp.Distances.CosineDistance(), "abc123", kind,
                   new HnswOptions { Connectivity = 8, ExpansionAdd = 40, ExpansionSearch = 30 }))
        {
            before = index.Search(q, 5);
            index.Save(folder);
        }
        using var opened = EmbeddingIndex.Open(folder, new IndexOpenOptions { View = view });
        Assert.Equal(kind, opened.Kind);
        Assert.Equal(200, opened.Count);
        Assert.Equal(8, opened.Dimension);
        Assert.Equal("cosine", opened.MeasureName);
        Assert.Equal("abc123", opened.ModelFingerprint);
        Assert.Equal(classes, opened.ClassNames);
        Assert.Equal(labels, opened.Labels);
        Assert.Equal(ids, opened.ItemIds);
        Assert.Equal(Path.GetFullPath(folder), opened.Path);
        if (kind == IndexKind.Hnsw)
        {
            Assert.Equal(8, opened.Hnsw!.Connectivity);
            Assert.Equal(40, opened.Hnsw.ExpansionAdd);
            Assert.Equal(30, opened.Hnsw.ExpansionSearch);
        }
        Assert.Equal(before, opened.Search(q, 5));
        Assert.Equal(Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName), new[] { "idx" });
    }

    [Theory]
    [InlineData(IndexKind.Exact)]
    [InlineData(IndexKind.Hnsw)]
    public void KLargerThanIndex_IsClampedToTheIndexSize(IndexKind kind)
    {
        var (x, labels, classes, ids) = IndexTestData.Clustered(7, 4, 2, seed: 5);
        using var index = EmbeddingIndex.Build(x, labels, classes, ids, new TripletSharp.Distances.EuclideanDistance(), "fp", kind);
        var hits = index.Search(x.narrow(0, 0, 2), 50);
        Assert.All(hits, h => Assert.Equal(Enumerable.Range(0, 7).ToHashSet(), h.Select(v => v.Position).ToHashSet()));
        Assert.Equal(0, hits[0][0].Position);
        Assert.Equal(0.0, hits[0][0].Distance, 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(x, 0));
    }

    [Theory]
    [InlineData(IndexKind.Exact)]
    [InlineData(IndexKind.Hnsw)]
    public void EmptyQuerySet_GivesEmptyResult_WrongDimensionIsRefused(IndexKind kind)
    {
        var (x, labels, classes, ids) = IndexTestData.Clustered(20, 4, 2, seed: 6);
        using var index = EmbeddingIndex.Build(x, labels, classes, ids, new TripletSharp.Distances.EuclideanDistance(), "fp", kind);
        Assert.Empty(index.Search(zeros(0, 4), 3));
        var e = Assert.Throws<ArgumentException>(() => index.Search(zeros(2, 5), 3));
        Assert.Contains("dimension 5", e.Message);
        var nan = zeros(1, 4);
        nan[0, 0] = tensor(float.NaN);
        Assert.Throws<ArgumentException>(() => index.Search(nan, 3));
    }

    [Fact]
    public void Build_RefusesBadInput()
    {
        var (x, labels, classes, ids) = IndexTestData.Clustered(10, 4, 2, seed: 7);
        var eu = new TripletSharp.Distances.EuclideanDistance();
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Build(zeros(0, 4), [], classes, [], eu, "fp"));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Build(x, labels.Take(9).ToArray(), classes, ids, eu, "fp"));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Build(x, labels.Select(_ => 2L).ToArray(), classes, ids, eu, "fp"));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Build(x, labels, classes, ids, eu, " "));
        var i8 = Assert.Throws<ArgumentException>(() => EmbeddingIndex.Build(x, labels, classes, ids, eu, "fp", IndexKind.Hnsw, new HnswOptions { Scalar = HnswScalar.I8 }));
        Assert.Contains("i8", i8.Message);
    }

    [Theory]
    [InlineData(HnswScalar.F16)]
    [InlineData(HnswScalar.I8)]
    public void QuantisedGraph_StillReportsExactDistances(HnswScalar scalar)
    {
        var measure = new TripletSharp.Distances.CosineDistance();
        var (x, labels, classes, ids) = IndexTestData.Clustered(300, 16, 6, seed: 8);
        var (q, _, _, _) = IndexTestData.Clustered(10, 16, 6, seed: 9);
        using var dir = new TempDir();
        using (var built = EmbeddingIndex.Build(x, labels, classes, ids, measure, "fp", IndexKind.Hnsw, new HnswOptions { Scalar = scalar }))
            built.Save(dir.File("i"));
        using var index = EmbeddingIndex.Open(dir.File("i"));
        Assert.Equal(scalar, index.Hnsw!.Scalar);
        var g = IndexTestData.Rows(x);
        var qs = IndexTestData.Rows(q);
        var hits = index.Search(q, 5);
        int found = 0;
        for (int i = 0; i < qs.Length; i++)
        {
            var truth = IndexTestData.Ranking(measure, qs[i], g).Take(5).Select(r => r.Position).ToHashSet();
            foreach (var h in hits[i]) IndexTestData.Near(IndexTestData.Value(measure, qs[i], g[h.Position]), h.Distance);
            found += hits[i].Count(h => truth.Contains(h.Position));
        }
        Assert.True(found >= 45, $"recall@5 {found}/50");
    }

    [Theory]
    [InlineData(IndexKind.Exact)]
    [InlineData(IndexKind.Hnsw)]
    public void Add_ThenSave_EqualsBuildingFromEverything(IndexKind kind)
    {
        using var dir = new TempDir();
        var measure = new TripletSharp.Distances.EuclideanDistance();
        var (x, labels, classes, ids) = IndexTestData.Clustered(150, 8, 4, seed: 10);
        var folder = dir.File("idx");
        using (var first = EmbeddingIndex.Build(x.narrow(0, 0, 100), labels.Take(100).ToArray(), classes, ids.Take(100).ToArray(), measure, "fp", kind))
            first.Save(folder);
        var newClasses = classes.Append("extra").ToArray();
        var newLabels = labels.Skip(100).Select((l, i) => i == 0 ? 4L : l).ToArray();
        using (var opened = EmbeddingIndex.Open(folder))
        {
            opened.Add(x.narrow(0, 100, 50), newLabels, ids.Skip(100).ToArray(), newClasses);
            Assert.Equal(150, opened.Count);
            opened.Save();
        }
        using var reopened = EmbeddingIndex.Open(folder);
        Assert.Equal(150, reopened.Count);
        Assert.Equal(newClasses, reopened.ClassNames);
        Assert.Equal(labels.Take(100).Concat(newLabels), reopened.Labels);
        Assert.Equal(ids, reopened.ItemIds);
        var g = IndexTestData.Rows(x);
        // Each item's nearest neighbour is itself, at distance 0, new items included.
        var hits = reopened.Search(x, 1);
        for (int i = 0; i < 150; i++)
        {
            Assert.Equal(0, hits[i][0].Distance, 5);
            IndexTestData.Near(0, IndexTestData.Value(measure, g[i], g[hits[i][0].Position]));
        }
        Assert.Equal("extra", hits[100][0].ClassName);
    }

    [Fact]
    public void Add_RefusesClassListThatDoesNotExtendTheIndexOne()
    {
        var (x, labels, classes, ids) = IndexTestData.Clustered(10, 4, 2, seed: 11);
        using var index = EmbeddingIndex.Build(x, labels, classes, ids, new TripletSharp.Distances.EuclideanDistance(), "fp");
        Assert.Throws<ArgumentException>(() => index.Add(x, labels, ids, ["other", "class1", "x"]));
        Assert.Throws<ArgumentException>(() => index.Add(zeros(1, 3), [0], ["a"]));
        Assert.Equal(10, index.Count);
    }
}

public class HnswSettingsTests
{
    [Fact]
    public void SingleThreadBuild_IsDeterministic_AndExpansionSearchCanBeChangedOnOpen()
    {
        using var dir = new TempDir();
        var (x, labels, classes, ids) = IndexTestData.Clustered(300, 8, 5, seed: 50);
        foreach (var name in new[] { "a", "b" })
        {
            using var built = EmbeddingIndex.Build(x, labels, classes, ids, new TripletSharp.Distances.CosineDistance(), "fp", IndexKind.Hnsw);
            built.Save(dir.File(name));
        }
        Assert.Equal(File.ReadAllBytes(dir.File("a", "graph.usearch")), File.ReadAllBytes(dir.File("b", "graph.usearch")));
        using var opened = EmbeddingIndex.Open(dir.File("a"), new IndexOpenOptions { ExpansionSearch = 7 });
        Assert.Equal(7, opened.Hnsw!.ExpansionSearch);
        var defaults = new HnswOptions();
        Assert.Equal(defaults.Connectivity, opened.Hnsw.Connectivity);
        Assert.Equal(defaults.ExpansionAdd, opened.Hnsw.ExpansionAdd);
        Assert.Equal(HnswScalar.F32, opened.Hnsw.Scalar);
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingIndex.Open(dir.File("a"), new IndexOpenOptions { ExpansionSearch = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingIndex.Build(x, labels, classes, ids, new TripletSharp.Distances.CosineDistance(), "fp", IndexKind.Hnsw, new HnswOptions { Connectivity = 1 }));
    }
}
