using System.Buffers.Binary;
using TripletSharp.Data;
using static TripletSharp.Tests.Data.DataTestFiles;

namespace TripletSharp.Tests.Data;

public class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsHandWrittenFilesExactly(bool gzip)
    {
        using var tmp = new TempDir();
        var rng = new Random(1);
        var pixels = new byte[7 * 5 * 4];
        rng.NextBytes(pixels);
        pixels[0] = 0; pixels[1] = 255;
        var labels = new byte[] { 2, 0, 1, 1, 2, 0, 2 };
        string ext = gzip ? ".gz" : "";
        var ip = tmp.File("i-idx3-ubyte" + ext);
        var lp = tmp.File("l-idx1-ubyte" + ext);
        var ib = IdxImagesBytes(pixels, 7, 5, 4);
        var lb = IdxLabelsBytes(labels);
        File.WriteAllBytes(ip, gzip ? Gzip(ib) : ib);
        File.WriteAllBytes(lp, gzip ? Gzip(lb) : lb);

        using var ds = IdxReader.ReadDataset(ip, lp, new[] { "a", "b", "c" }, "part");
        Assert.Equal(new long[] { 7, 1, 5, 4 }, ds.Features.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Float32, ds.Features.dtype);
        var values = ds.Features.data<float>().ToArray();
        for (int i = 0; i < pixels.Length; i++) Assert.Equal(pixels[i] / 255f, values[i]);
        Assert.Equal(labels.Select(l => (long)l), ds.Labels);
        Assert.Equal(new[] { "a", "b", "c" }, ds.ClassNames);
        Assert.Equal(DataKind.Images, ds.Kind);
        Assert.Equal("part/0", ds.ItemNames![0]);
        Assert.Equal("part/6", ds.ItemNames![6]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriterRoundTrips(bool gzip)
    {
        using var tmp = new TempDir();
        var pixels = new byte[3 * 2 * 6];
        new Random(2).NextBytes(pixels);
        var ip = tmp.File(gzip ? "x.gz" : "x");
        var lp = tmp.File(gzip ? "y.gz" : "y");
        IdxWriter.WriteImages(ip, new IdxImages(pixels, 3, 2, 6));
        IdxWriter.WriteLabels(lp, new byte[] { 9, 0, 4 });
        var raw = File.ReadAllBytes(ip);
        Assert.Equal(gzip, raw[0] == 0x1F && raw[1] == 0x8B);
        var plain = gzip ? Gunzip(raw) : raw;
        Assert.Equal(IdxImagesBytes(pixels, 3, 2, 6), plain);
        var im = IdxReader.ReadImages(ip);
        Assert.Equal((3, 2, 6), (im.Count, im.Rows, im.Cols));
        Assert.Equal(pixels, im.Pixels);
        Assert.Equal(new byte[] { 9, 0, 4 }, IdxReader.ReadLabels(lp));
        using var ds = IdxReader.ReadDataset(ip, lp);
        Assert.Equal(10, ds.ClassNames.Count);
        Assert.Equal("9", ds.ClassNames[9]);
    }

    [Fact]
    public void GzipIsDetectedByMagicBytesNotName()
    {
        using var tmp = new TempDir();
        var path = tmp.File("labels-without-suffix");
        File.WriteAllBytes(path, Gzip(IdxLabelsBytes(new byte[] { 1, 2, 3 })));
        Assert.Equal(new byte[] { 1, 2, 3 }, IdxReader.ReadLabels(path));
    }

    [Fact]
    public void TruncatedPlainFileNamesTheRecordWhereDataEnd()
    {
        using var tmp = new TempDir();
        var path = tmp.File("train-images-idx3-ubyte");
        var full = IdxImagesBytes(new byte[5 * 4 * 4], 5, 4, 4);
        File.WriteAllBytes(path, full[..(16 + 2 * 16 + 7)]);
        var e = AssertDataError(() => IdxReader.ReadImages(path), path, 3, "record");
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void TruncatedGzipFileNamesTheRecordWhereDataEnd()
    {
        using var tmp = new TempDir();
        var path = tmp.File("train-images-idx3-ubyte.gz");
        var full = IdxImagesBytes(new byte[5 * 4 * 4], 5, 4, 4);
        File.WriteAllBytes(path, Gzip(full[..(16 + 2 * 16 + 7)]));
        var e = AssertDataError(() => IdxReader.ReadImages(path), path, 3, "record");
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void CutGzipStreamIsADataError()
    {
        using var tmp = new TempDir();
        var path = tmp.File("train-labels-idx1-ubyte.gz");
        var gz = Gzip(IdxLabelsBytes(Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray()));
        File.WriteAllBytes(path, gz[..(gz.Length / 2)]);
        AssertDataError(() => IdxReader.ReadLabels(path), path);
    }

    [Fact]
    public void TruncatedHeaderIsADataError()
    {
        using var tmp = new TempDir();
        var path = tmp.File("imgs");
        File.WriteAllBytes(path, IdxImagesBytes(Array.Empty<byte>(), 1, 2, 2)[..10]);
        var e = AssertDataError(() => IdxReader.ReadImages(path), path);
        Assert.Contains("header", e.Message);
    }

    [Theory]
    [InlineData(0x00000801u, "label file")]
    [InlineData(0x00000804u, "4 dimensions")]
    [InlineData(0x00000D03u, "0x0D")]
    [InlineData(0x89504E47u, "not an IDX file")]
    public void WrongMagicNumberForImages(uint magic, string hint)
    {
        using var tmp = new TempDir();
        var path = tmp.File("imgs");
        File.WriteAllBytes(path, IdxImagesBytes(new byte[4], 1, 2, 2, magic));
        var e = AssertDataError(() => IdxReader.ReadImages(path), path);
        Assert.Contains($"0x{magic:X8}", e.Message);
        Assert.Contains(hint, e.Message);
        Assert.Contains("0x00000803", e.Message);
    }

    [Fact]
    public void WrongMagicNumberForLabels()
    {
        using var tmp = new TempDir();
        var path = tmp.File("labels.gz");
        File.WriteAllBytes(path, Gzip(IdxImagesBytes(new byte[4], 1, 2, 2)));
        var e = AssertDataError(() => IdxReader.ReadLabels(path), path);
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("image file", e.Message);
    }

    [Fact]
    public void ImageCountDifferentFromLabelCount()
    {
        using var tmp = new TempDir();
        var ip = tmp.File("i");
        var lp = tmp.File("l");
        File.WriteAllBytes(ip, IdxImagesBytes(new byte[3 * 4], 3, 2, 2));
        File.WriteAllBytes(lp, IdxLabelsBytes(new byte[] { 0, 1 }));
        var e = AssertDataError(() => IdxReader.ReadDataset(ip, lp), lp);
        Assert.Contains("2 labels", e.Message);
        Assert.Contains("3 images", e.Message);
        Assert.Contains(ip, e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HeaderClaiming2Pow31ImagesDoesNotAllocate(bool gzip)
    {
        using var tmp = new TempDir();
        var path = tmp.File(gzip ? "big.gz" : "big");
        var bytes = IdxImagesBytes(new byte[3 * 784], 1u << 31, 28, 28);
        File.WriteAllBytes(path, gzip ? Gzip(bytes) : bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = AssertDataError(() => IdxReader.ReadImages(path), path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("2147483648", e.Message);
        Assert.True(allocated < 8 << 20, $"allocated {allocated} bytes");
        if (!gzip) Assert.Equal(4, e.Record); // three whole records are present
    }

    [Fact]
    public void GzipHeaderClaimingMoreThanPresentFailsAtTheLastRecordWithoutAllocatingTheClaim()
    {
        // A claim deflate could produce from this many bytes, but the data end after 3 records.
        using var tmp = new TempDir();
        var path = tmp.File("big.gz");
        var rng = new Random(3);
        var pixels = new byte[3 * 784];
        rng.NextBytes(pixels);
        File.WriteAllBytes(path, Gzip(IdxImagesBytes(pixels, 2000, 28, 28)));
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertDataError(() => IdxReader.ReadImages(path), path, 4, "record");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 3_000_000);
    }

    [Fact]
    public void ZeroByteFile()
    {
        using var tmp = new TempDir();
        var path = tmp.File("train-images-idx3-ubyte");
        File.WriteAllBytes(path, Array.Empty<byte>());
        var e = AssertDataError(() => IdxReader.ReadImages(path), path);
        Assert.Contains("empty file", e.Message);
    }

    [Fact]
    public void NotGzipDespiteGzName()
    {
        using var tmp = new TempDir();
        var path = tmp.File("train-labels-idx1-ubyte.gz");
        File.WriteAllBytes(path, IdxLabelsBytes(new byte[] { 1, 2 }));
        var e = AssertDataError(() => IdxReader.ReadLabels(path), path);
        Assert.Contains("not gzip", e.Message);
    }

    [Fact]
    public void TrailingDataIsADataError()
    {
        using var tmp = new TempDir();
        var path = tmp.File("l");
        var b = IdxLabelsBytes(new byte[] { 1, 2, 3 }).Concat(new byte[] { 9 }).ToArray();
        File.WriteAllBytes(path, b);
        AssertDataError(() => IdxReader.ReadLabels(path), path);
        File.WriteAllBytes(path + ".gz", Gzip(b));
        AssertDataError(() => IdxReader.ReadLabels(path + ".gz"), path + ".gz");
    }

    [Theory]
    [InlineData(0u, 28u, 28u)]
    [InlineData(5u, 0u, 28u)]
    [InlineData(5u, 28u, 70000u)]
    public void ImplausibleHeaders(uint count, uint rows, uint cols)
    {
        using var tmp = new TempDir();
        var path = tmp.File("i");
        File.WriteAllBytes(path, IdxImagesBytes(new byte[100], count, rows, cols));
        AssertDataError(() => IdxReader.ReadImages(path), path);
    }

    [Fact]
    public void LabelOutsideTheClassListNamesTheRecord()
    {
        using var tmp = new TempDir();
        var ip = tmp.File("i");
        var lp = tmp.File("l");
        File.WriteAllBytes(ip, IdxImagesBytes(new byte[3 * 4], 3, 2, 2));
        File.WriteAllBytes(lp, IdxLabelsBytes(new byte[] { 0, 1, 7 }));
        AssertDataError(() => IdxReader.ReadDataset(ip, lp, new[] { "a", "b" }), lp, 3, "record");
    }

    [Fact]
    public void HeaderFieldsAreBigEndianUnsigned()
    {
        // 0x80000001 images would be negative as int32; it must be read as a (too large) unsigned count.
        using var tmp = new TempDir();
        var path = tmp.File("l");
        var b = IdxLabelsBytes(new byte[] { 1 });
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), 0x80000001);
        File.WriteAllBytes(path, b);
        var e = AssertDataError(() => IdxReader.ReadLabels(path), path);
        Assert.Contains("2147483649", e.Message);
    }
}
