using System.Buffers.Binary;
using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed.
/// </summary>
/// <remarks>
/// <para>Gzip is detected by its magic bytes (1F 8B), not by the name; a file named <c>*.gz</c> that is not gzip is an
/// error, a gzip file without the suffix is read. Only unsigned-byte IDX is supported: images have the magic number
/// 0x00000803 (3 dimensions: count, rows, columns), labels 0x00000801 (1 dimension).</para>
/// <para>The header is checked against what the file can hold before anything is allocated: for a plain file the exact
/// length must match (trailing bytes are an error too); for a gzip file the claimed size must fit in what deflate can
/// produce from the compressed length (at most 1032:1), and the data are then read incrementally, so a header that
/// claims 2^31 items never allocates more than the data actually present. A short file fails with a
/// <see cref="DataFormatException"/> at the 1-based record where the data end.</para>
/// </remarks>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned-byte images (3 dimensions).</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned-byte labels (1 dimension).</summary>
    public const uint LabelsMagic = 0x00000801;

    /// <summary>Largest image side accepted in a header.</summary>
    public const int MaxSide = 65535;

    // Deflate cannot expand by more than 1032:1; a little slack covers gzip headers of tiny files.
    private const long MaxDeflateRatio = 1032;
    private const int InitialChunk = 4 << 20;

    /// <summary>Reads an IDX image file.</summary>
    /// <exception cref="DataFormatException">The file is empty, truncated, not gzip despite its name, has a wrong magic number or an impossible header.</exception>
    internal static IdxImages ReadImages(string path)
    {
        Guard.NotNull(path, nameof(path));
        using var stream = Open(path, out long bound, out bool gzip);
        var header = new byte[16];
        int got = ReadFully(stream, header, path);
        if (got < 4) throw new DataFormatException(path, $"truncated header: {got} bytes, an IDX image file starts with a 16-byte header.");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        CheckMagic(path, magic, ImagesMagic, "images");
        if (got < 16) throw new DataFormatException(path, $"truncated header: {got} bytes, an IDX image file starts with a 16-byte header.");
        long count = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
        long rows = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
        long cols = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
        if (rows < 1 || rows > MaxSide || cols < 1 || cols > MaxSide)
            throw new DataFormatException(path, $"implausible image size {rows}×{cols} in the header (each side must be 1 to {MaxSide}).");
        if (count == 0) throw new DataFormatException(path, "the header says the file holds 0 images.");
        long recordSize = rows * cols;
        CheckClaim(path, count, recordSize, 16, bound, gzip, "images", $" of {rows}×{cols}");
        var pixels = ReadRecords(stream, path, count, recordSize, gzip, new FileInfo(path).Length);
        return new IdxImages(pixels, (int)count, (int)rows, (int)cols);
    }

    /// <summary>Reads an IDX label file (one byte per item).</summary>
    /// <exception cref="DataFormatException">The file is empty, truncated, not gzip despite its name, has a wrong magic number or an impossible header.</exception>
    public static byte[] ReadLabels(string path)
    {
        Guard.NotNull(path, nameof(path));
        using var stream = Open(path, out long bound, out bool gzip);
        var header = new byte[8];
        int got = ReadFully(stream, header, path);
        if (got < 4) throw new DataFormatException(path, $"truncated header: {got} bytes, an IDX label file starts with an 8-byte header.");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        CheckMagic(path, magic, LabelsMagic, "labels");
        if (got < 8) throw new DataFormatException(path, $"truncated header: {got} bytes, an IDX label file starts with an 8-byte header.");
        long count = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
        if (count == 0) throw new DataFormatException(path, "the header says the file holds 0 labels.");
        CheckClaim(path, count, 1, 8, bound, gzip, "labels", "");
        return ReadRecords(stream, path, count, 1, gzip, new FileInfo(path).Length);
    }

    /// <summary>
    /// Reads a pair of IDX files into a dataset of N×1×Rows×Cols float32 images in [0, 1] (byte / 255).
    /// </summary>
    /// <param name="imagesPath">IDX image file.</param>
    /// <param name="labelsPath">IDX label file with as many labels as there are images.</param>
    /// <param name="classNames">Name of every class; every label must be below its count. When null, the classes are named "0" … "max label".</param>
    /// <param name="itemPrefix">Item names are <c>{itemPrefix}/{index}</c> (0-based index in the file); defaults to the images file name.</param>
    /// <exception cref="DataFormatException">Either file is bad, the counts differ, or a label has no class.</exception>
    public static Dataset ReadDataset(string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null, string? itemPrefix = null)
    {
        Guard.NotNull(imagesPath, nameof(imagesPath));
        Guard.NotNull(labelsPath, nameof(labelsPath));
        var images = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        return ToDataset(images, imagesPath, labels, labelsPath, classNames ?? DigitNames(labels.Max() + 1), itemPrefix ?? Path.GetFileName(imagesPath));
    }

    internal static Dataset ToDataset(IdxImages images, string imagesPath, byte[] labels, string labelsPath, IReadOnlyList<string> classNames, string itemPrefix)
    {
        if (labels.Length != images.Count)
            throw new DataFormatException(labelsPath, $"holds {labels.Length} labels but '{imagesPath}' holds {images.Count} images; the counts must match.");
        var longLabels = new long[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classNames.Count)
                throw new DataFormatException(labelsPath, $"label {labels[i]} is outside the {classNames.Count} known classes (0 to {classNames.Count - 1}).", i + 1L);
            longLabels[i] = labels[i];
        }
        var names = new string[labels.Length];
        for (int i = 0; i < names.Length; i++) names[i] = $"{itemPrefix}/{i}";
        return new Dataset(ToTensor(images), longLabels, classNames, DataKind.Images, names);
    }

    /// <summary>One N×1×R×C float32 tensor in [0, 1]; the byte→float conversion runs inside libtorch, so 70,000 images take a fraction of a second.</summary>
    internal static Tensor ToTensor(IdxImages images)
    {
        using var scope = torch.NewDisposeScope();
        var bytes = torch.tensor(images.Pixels, new long[] { images.Count, 1, images.Rows, images.Cols }, ScalarType.Byte);
        var result = bytes.div(Scalars.Of(255.0)); // true division of uint8 gives float32 in one pass
        return result.MoveToOuterDisposeScope();
    }

    internal static string[] DigitNames(int count) => Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Opens <paramref name="path"/>, decompressing when it starts with the gzip magic bytes.</summary>
    /// <param name="path">File to open.</param>
    /// <param name="bound">Largest number of bytes the (decompressed) stream can hold.</param>
    /// <param name="gzip">Whether the file is gzip.</param>
    internal static Stream Open(string path, out long bound, out bool gzip)
    {
        FileStream fs;
        try
        {
            var info = new FileInfo(path);
            fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, (int)Math.Clamp(info.Exists ? info.Length : 0, 4096, 1 << 20));
        }
        catch (FileNotFoundException e) { throw new DataFormatException(path, "file not found.", null, e); }
        catch (DirectoryNotFoundException e) { throw new DataFormatException(path, "file not found.", null, e); }
        try
        {
            long length = fs.Length;
            if (length == 0) throw new DataFormatException(path, "empty file (0 bytes).");
            Span<byte> magic = stackalloc byte[2];
            int got = fs.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            fs.Position = 0;
            gzip = got == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            bool named = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
            if (named && !gzip)
                throw new DataFormatException(path, "the name ends in .gz but the file is not gzip-compressed (it does not start with the gzip magic bytes 1F 8B).");
            if (!gzip)
            {
                bound = length;
                return fs;
            }
            bound = length * MaxDeflateRatio + 1024;
            return new GZipStream(fs, CompressionMode.Decompress, leaveOpen: false);
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    private static void CheckMagic(string path, uint magic, uint expected, string what)
    {
        if (magic == expected) return;
        string hint = magic switch
        {
            ImagesMagic => " (that is an IDX image file)",
            LabelsMagic => " (that is an IDX label file)",
            _ when (magic & 0xFFFF0000) == 0 && ((magic >> 8) & 0xFF) != 0x08 => $" (IDX data type 0x{(magic >> 8) & 0xFF:X2}; only unsigned bytes, 0x08, are supported)",
            _ when (magic & 0xFFFF0000) == 0 => $" ({magic & 0xFF} dimensions)",
            _ => " (not an IDX file)",
        };
        throw new DataFormatException(path, $"wrong magic number 0x{magic:X8}{hint}; IDX {what} files start with 0x{expected:X8}.");
    }

    private static void CheckClaim(string path, long count, long recordSize, long headerSize, long bound, bool gzip, string what, string shape)
    {
        // count < 2^32 and recordSize < 2^32: compare by division to stay clear of overflow.
        long room = Math.Max(0, bound - headerSize);
        if (count > room / recordSize)
        {
            var claimed = (decimal)count * recordSize;
            if (gzip)
                throw new DataFormatException(path, $"the header announces {count} {what}{shape} ({claimed} bytes), more than this {(bound - 1024) / MaxDeflateRatio}-byte gzip file can expand to; the header is corrupt.");
            throw new DataFormatException(path, $"truncated (or corrupt header): the header announces {count} {what}{shape} ({claimed} bytes) but the file holds {room} bytes after the header, so the data end in this record.", room / recordSize + 1);
        }
        if (count * recordSize > Array.MaxLength)
            throw new DataFormatException(path, $"the header announces {count} {what}{shape} ({count * recordSize} bytes), more than one file can be read into memory ({Array.MaxLength} bytes).");
    }

    private static byte[] ReadRecords(Stream stream, string path, long count, long recordSize, bool gzip, long compressedLength)
    {
        long total = count * recordSize;
        // A plain file was already checked to be long enough, so its buffer can be exact. For gzip the claim is only
        // bounded by the 1032:1 deflate limit: start with what real data would need (image data rarely compress
        // 16:1) and grow as data actually arrive.
        long initial = gzip ? Math.Min(total, Math.Max(InitialChunk, 16 * compressedLength)) : total;
        var buffer = new byte[initial];
        long filled = 0;
        while (filled < total)
        {
            if (filled == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(total, Math.Min((long)Array.MaxLength, buffer.LongLength * 2)));
            int n = ReadChunk(stream, buffer, (int)filled, buffer.Length - (int)filled, path);
            if (n == 0)
                throw new DataFormatException(path, $"truncated: the data end after {filled / recordSize} of the {count} records the header announces ({filled} of {total} bytes).", filled / recordSize + 1);
            filled += n;
        }
        if (ReadChunk(stream, new byte[1], 0, 1, path) != 0)
            throw new DataFormatException(path, $"unexpected data after the last of the {count} records the header announces (the header is corrupt or two files were joined).");
        return buffer;
    }

    private static int ReadFully(Stream stream, byte[] buffer, string path)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = ReadChunk(stream, buffer, filled, buffer.Length - filled, path);
            if (n == 0) break;
            filled += n;
        }
        return filled;
    }

    private static int ReadChunk(Stream stream, byte[] buffer, int offset, int count, string path)
    {
        try
        {
            return stream.Read(buffer, offset, count);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"corrupt gzip data: {e.Message}", null, e);
        }
    }
}
