using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace TripletSharp.Tests.Data;

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    /// <param name="inMemory">Prefer a RAM-backed folder (/dev/shm) where there is one, for tests that write many small files.</param>
    public TempDir(bool inMemory = false)
    {
        var root = inMemory && Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        Path = System.IO.Path.Combine(root, "tripletsharp-tests", Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path);
        }
        catch (Exception e) when (inMemory && e is IOException or UnauthorizedAccessException)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tripletsharp-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }
    }

    public string Path { get; }

    public string File(params string[] parts) => System.IO.Path.Combine(new[] { Path }.Concat(parts).ToArray());

    public string Dir(params string[] parts)
    {
        var d = File(parts);
        Directory.CreateDirectory(d);
        return d;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Builds test files by hand (independently of the library's writers).</summary>
internal static class DataTestFiles
{
    public static byte[] IdxImagesBytes(byte[] pixels, uint count, uint rows, uint cols, uint magic = 0x00000803)
    {
        var b = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteUInt32BigEndian(b, magic);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), count);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8), rows);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(12), cols);
        pixels.CopyTo(b, 16);
        return b;
    }

    public static byte[] IdxLabelsBytes(byte[] labels, uint? count = null, uint magic = 0x00000801)
    {
        var b = new byte[8 + labels.Length];
        BinaryPrimitives.WriteUInt32BigEndian(b, magic);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), count ?? (uint)labels.Length);
        labels.CopyTo(b, 8);
        return b;
    }

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    public static byte[] Gunzip(byte[] data)
    {
        using var gz = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>Writes a complete IDX folder (train and t10k) and returns the raw pixels/labels written.</summary>
    public static (byte[] TrainPixels, byte[] TrainLabels, byte[] TestPixels, byte[] TestLabels) WriteIdxFolder(
        string folder, int trainCount, int testCount, int rows, int cols, int classes, int seed, bool gzip)
    {
        var rng = new Random(seed);
        byte[] Pixels(int n) { var p = new byte[n * rows * cols]; rng.NextBytes(p); return p; }
        byte[] Labels(int n) => Enumerable.Range(0, n).Select(i => (byte)(i % classes)).ToArray();
        var trp = Pixels(trainCount); var trl = Labels(trainCount);
        var tep = Pixels(testCount); var tel = Labels(testCount);
        string Ext(string n) => gzip ? n + ".gz" : n;
        byte[] Maybe(byte[] b) => gzip ? Gzip(b) : b;
        Directory.CreateDirectory(folder);
        System.IO.File.WriteAllBytes(Path.Combine(folder, Ext("train-images-idx3-ubyte")), Maybe(IdxImagesBytes(trp, (uint)trainCount, (uint)rows, (uint)cols)));
        System.IO.File.WriteAllBytes(Path.Combine(folder, Ext("train-labels-idx1-ubyte")), Maybe(IdxLabelsBytes(trl)));
        System.IO.File.WriteAllBytes(Path.Combine(folder, Ext("t10k-images-idx3-ubyte")), Maybe(IdxImagesBytes(tep, (uint)testCount, (uint)rows, (uint)cols)));
        System.IO.File.WriteAllBytes(Path.Combine(folder, Ext("t10k-labels-idx1-ubyte")), Maybe(IdxLabelsBytes(tel)));
        return (trp, trl, tep, tel);
    }

    /// <summary>An RGBA image whose pixel (x, y) is <paramref name="color"/>(x, y).</summary>
    public static SKBitmap Bitmap(int width, int height, Func<int, int, SKColor> color)
    {
        var bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            bmp.SetPixel(x, y, color(x, y));
        return bmp;
    }

    public static byte[] Encode(SKBitmap bmp, SKEncodedImageFormat format, int quality = 100)
    {
        using var image = SKImage.FromBitmap(bmp);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    public static byte[] Png(int width, int height, Func<int, int, SKColor> color)
    {
        using var bmp = Bitmap(width, height, color);
        return Encode(bmp, SKEncodedImageFormat.Png);
    }

    public static byte[] Jpeg(int width, int height, Func<int, int, SKColor> color, int quality = 100)
    {
        using var bmp = Bitmap(width, height, color);
        return Encode(bmp, SKEncodedImageFormat.Jpeg, quality);
    }

    /// <summary>A 24-bit bottom-up BMP written by hand (Skia cannot encode BMP).</summary>
    public static byte[] Bmp(int width, int height, Func<int, int, SKColor> color)
    {
        int rowSize = (width * 3 + 3) & ~3;
        int dataSize = rowSize * height;
        var b = new byte[54 + dataSize];
        b[0] = (byte)'B'; b[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(2), b.Length);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(34), dataSize);
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            var c = color(x, y);
            int at = 54 + (height - 1 - y) * rowSize + 3 * x;
            b[at] = c.Blue; b[at + 1] = c.Green; b[at + 2] = c.Red;
        }
        return b;
    }

    public static float Luma(SKColor c) => (0.299f * c.Red + 0.587f * c.Green + 0.114f * c.Blue) / 255f;

    /// <summary>Asserts that <paramref name="action"/> throws a DataFormatException naming <paramref name="file"/>, and returns it.</summary>
    public static TripletSharp.Data.DataFormatException AssertDataError(Action action, string file, long? record = null, string? kind = null)
    {
        var e = Assert.Throws<TripletSharp.Data.DataFormatException>(action);
        Assert.Equal(file, e.FilePath);
        Assert.Contains(file, e.Message);
        if (record is not null)
        {
            Assert.Equal(record, e.Record);
            Assert.Contains($"{kind ?? e.RecordKind} {record}", e.Message);
        }
        return e;
    }
}
