using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace TripletSharp.Tests.Images;

/// <summary>
/// Writes PNG files by hand (signature, IHDR, optional PLTE/tRNS, one zlib IDAT with filter 0 rows, IEND), so every
/// colour type and bit depth can be tested against pixel values known before any decoder runs.
/// </summary>
internal static class HandPng
{
    /// <summary>PNG colour types.</summary>
    public const byte Grey = 0, Rgb = 2, Palette = 3, GreyAlpha = 4, Rgba = 6;

    /// <summary>A PNG of <paramref name="samples"/> (row-major, the colour type's channels per pixel, each sample 0 … 2^depth − 1).</summary>
    public static byte[] Encode(int width, int height, byte colorType, int depth, int[] samples, byte[]? palette = null, byte[]? transparency = null)
    {
        int channels = colorType switch { Grey => 1, Rgb => 3, Palette => 1, GreyAlpha => 2, Rgba => 4, _ => throw new ArgumentException("colour type") };
        Assert.Equal(width * height * channels, samples.Length);
        int bytesPerSample = depth / 8;
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0);
            for (int i = 0; i < width * channels; i++)
            {
                int v = samples[y * width * channels + i];
                if (bytesPerSample == 2) { raw.WriteByte((byte)(v >> 8)); raw.WriteByte((byte)v); }
                else raw.WriteByte((byte)v);
            }
        }
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) raw.WriteTo(z);

        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = (byte)depth;
        ihdr[9] = colorType;
        Chunk(png, "IHDR", ihdr);
        if (palette is not null) Chunk(png, "PLTE", palette);
        if (transparency is not null) Chunk(png, "tRNS", transparency);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(len, Crc(typeBytes.Concat(data).ToArray()));
        s.Write(len);
    }

    private static uint Crc(byte[] bytes)
    {
        uint c = 0xFFFFFFFF;
        foreach (var b in bytes)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return c ^ 0xFFFFFFFF;
    }
}
