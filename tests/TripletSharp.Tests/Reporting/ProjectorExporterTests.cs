using System.Globalization;
using SkiaSharp;
using TripletSharp.Reporting;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Reporting;

public class ProjectorExporterTests
{
    [Fact]
    public void WritesVectorsMetadataSpriteAndConfig()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tripletsharp-proj-" + Guid.NewGuid().ToString("N"));
        try
        {
            var rng = new Random(1);
            int n = 11, d = 5, size = 6;
            var emb = Enumerable.Range(0, n * d).Select(_ => (float)(rng.NextDouble() * 2 - 1) / 3).ToArray();
            emb[7] = 1e-8f; emb[8] = -0f;
            long[] labels = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 0];
            string[] classes = ["cat", "dog\twith tab", "bird"];
            var ids = Enumerable.Range(0, n).Select(i => $"img_{i}.png").ToArray();
            var pixels = Enumerable.Range(0, n * 3 * size * size).Select(_ => (float)rng.NextDouble()).ToArray();
            using var scope = NewDisposeScope();
            ProjectorExporter.Write(dir, tensor(emb, [n, d]), labels, classes, tensor(pixels, [n, 3, size, size]), ids);

            var rows = File.ReadAllLines(Path.Combine(dir, ProjectorExporter.VectorsFile));
            Assert.Equal(n, rows.Length);
            for (int i = 0; i < n; i++)
                Assert.Equal(emb.Skip(i * d).Take(d).ToArray(), rows[i].Split('\t').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray());

            var meta = File.ReadAllLines(Path.Combine(dir, ProjectorExporter.MetadataFile));
            Assert.Equal("label\tclass\tid", meta[0]);
            Assert.Equal(n + 1, meta.Length);
            for (int i = 0; i < n; i++)
                Assert.Equal($"{labels[i]}\t{classes[labels[i]].Replace('\t', ' ')}\t{ids[i]}", meta[i + 1]);

            // 11 images → a 4×4 grid of 6×6 cells, row-major from the top left.
            using var sprite = SKBitmap.Decode(Path.Combine(dir, ProjectorExporter.SpriteFile));
            Assert.Equal((24, 24), (sprite.Width, sprite.Height));
            foreach (var item in new[] { 0, 5, 10 })
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        var c = sprite.GetPixel((item % 4) * size + x, (item / 4) * size + y);
                        byte Px(int ch) => (byte)Math.Round(pixels[((item * 3 + ch) * size + y) * size + x] * 255);
                        Assert.Equal((Px(0), Px(1), Px(2)), (c.Red, c.Green, c.Blue));
                    }
            Assert.Equal(0, sprite.GetPixel(23, 23).Alpha); // unused cells stay transparent

            var config = File.ReadAllText(Path.Combine(dir, ProjectorExporter.ConfigFile));
            Assert.Equal("embeddings {\n  tensor_name: \"embeddings\"\n  tensor_path: \"vectors.tsv\"\n  metadata_path: \"metadata.tsv\"\n  sprite {\n    image_path: \"sprite.png\"\n    single_image_dim: 6\n    single_image_dim: 6\n  }\n}\n", config);
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void VectorDataHasNoSpriteAndLargeSetsShrinkTheCells()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tripletsharp-proj-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var scope = NewDisposeScope();
            ProjectorExporter.Write(dir, randn(4, 3), [0, 0, 1, 1], ["a", "b"]);
            Assert.False(File.Exists(Path.Combine(dir, ProjectorExporter.SpriteFile)));
            Assert.DoesNotContain("sprite", File.ReadAllText(Path.Combine(dir, ProjectorExporter.ConfigFile)));
            Assert.Equal(["label\tclass\tid", "0\ta\t0", "0\ta\t1", "1\tb\t2", "1\tb\t3"], File.ReadAllLines(Path.Combine(dir, ProjectorExporter.MetadataFile)));

            var (png, ch, cw) = Thumbnails.Sprite(rand(300, 1, 40, 20), maxCell: 32, maxSheetSide: 400);
            using var sheet = SKBitmap.Decode(png);
            Assert.Equal((22, 11), (ch, cw)); // grid 18 → cells ≤ 22 px, aspect 2:1 kept
            Assert.True(sheet.Width <= 400 && sheet.Height <= 400);
            Assert.Equal((18 * 11, 18 * 22), (sheet.Width, sheet.Height));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ArgumentsAreChecked()
    {
        using var scope = NewDisposeScope();
        var e = randn(3, 2);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => ProjectorExporter.Write("/tmp/x", e, [0, 1], ["a", "b"])).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => ProjectorExporter.Write("/tmp/x", e, [0, 1, 2], ["a", "b"])).ParamName);
        Assert.Equal("thumbnails", Assert.Throws<ArgumentException>(() => ProjectorExporter.Write("/tmp/x", e, [0, 1, 1], ["a", "b"], rand(3, 2, 4, 4))).ParamName);
        Assert.Equal("itemIds", Assert.Throws<ArgumentException>(() => ProjectorExporter.Write("/tmp/x", e, [0, 1, 1], ["a", "b"], null, ["x"])).ParamName);
    }
}
