using System.Buffers.Binary;
using System.IO.Compression;

namespace TripletSharp.Data;

/// <summary>Writes IDX files (unsigned bytes), gzip-compressed when the name ends in <c>.gz</c>; written atomically.</summary>
internal static class IdxWriter
{
    /// <summary>Writes an IDX image file (magic 0x00000803).</summary>
    public static void WriteImages(string path, IdxImages images)
    {
        Guard.NotNull(path, nameof(path));
        Guard.NotNull(images, nameof(images));
        Guard.Positive(images.Count, "images.Count");
        Guard.Positive(images.Rows, "images.Rows");
        Guard.Positive(images.Cols, "images.Cols");
        if ((long)images.Count * images.Rows * images.Cols != images.Pixels.LongLength)
            throw new ArgumentException($"'{nameof(images)}' has {images.Pixels.LongLength} pixel bytes but {images.Count}×{images.Rows}×{images.Cols} were announced.", nameof(images));
        var header = new byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(header, IdxReader.ImagesMagic);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)images.Count);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), (uint)images.Rows);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(12), (uint)images.Cols);
        Write(path, header, images.Pixels);
    }

    /// <summary>Writes an IDX label file (magic 0x00000801), one byte per item.</summary>
    public static void WriteLabels(string path, byte[] labels)
    {
        Guard.NotNull(path, nameof(path));
        Guard.NotNull(labels, nameof(labels));
        Guard.Positive(labels.Length, "labels.Length");
        var header = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, IdxReader.LabelsMagic);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)labels.Length);
        Write(path, header, labels);
    }

    private static void Write(string path, byte[] header, byte[] data)
    {
        bool gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        AtomicFile.Write(path, s =>
        {
            if (!gzip)
            {
                s.Write(header);
                s.Write(data);
                return;
            }
            using var gz = new GZipStream(s, CompressionLevel.SmallestSize, leaveOpen: true);
            gz.Write(header);
            gz.Write(data);
        });
    }
}
