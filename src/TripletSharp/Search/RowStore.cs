using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace TripletSharp.Search;

/// <summary>The index's float32 embeddings, row-major: in memory, or mapped from the index folder's file.</summary>
internal sealed class RowStore : IDisposable
{
    private float[] _data;
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;

    private RowStore(float[] data, int count, int dim)
    {
        _data = data;
        Count = count;
        Dimension = dim;
    }

    public int Count { get; private set; }

    public int Dimension { get; }

    public bool IsMapped => _view is not null;

    public static RowStore InMemory(float[] data, int count, int dim) => new(data, count, dim);

    /// <summary>Maps <paramref name="path"/> (count × dim float32, little-endian) read-only.</summary>
    public static RowStore Mapped(string path, int count, int dim)
    {
        var store = new RowStore([], count, dim);
        if ((long)count * dim == 0) return store;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        store._map = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        store._view = store._map.CreateViewAccessor(0, (long)count * dim * 4, MemoryMappedFileAccess.Read);
        return store;
    }

    /// <summary>Copies row <paramref name="row"/> into <paramref name="dst"/>.</summary>
    public void Read(int row, Span<float> dst)
    {
        if (_view is null) _data.AsSpan(row * Dimension, Dimension).CopyTo(dst);
        else _view.SafeMemoryMappedViewHandle.ReadSpan((ulong)row * (ulong)Dimension * 4 + (ulong)_view.PointerOffset, dst);
    }

    /// <summary>Every row, as one array (read from disk when mapped).</summary>
    public float[] ToArray()
    {
        if (_view is null) return _data.AsSpan(0, Count * Dimension).ToArray();
        var all = new float[(long)Count * Dimension];
        _view.SafeMemoryMappedViewHandle.ReadSpan((ulong)_view.PointerOffset, all.AsSpan());
        return all;
    }

    /// <summary>Appends rows (reads a mapped store into memory first).</summary>
    public void Append(ReadOnlySpan<float> rows)
    {
        if (_view is not null)
        {
            var all = ToArray();
            DisposeMap();
            _data = all;
        }
        long need = (long)Count * Dimension + rows.Length;
        if (need > Array.MaxLength) throw new InvalidOperationException($"An index holds at most {Array.MaxLength} float values; adding would make {need}.");
        if (need > _data.Length)
        {
            var grown = new float[Math.Min(Array.MaxLength, Math.Max(need, (long)_data.Length * 2))];
            _data.AsSpan(0, Count * Dimension).CopyTo(grown);
            _data = grown;
        }
        rows.CopyTo(_data.AsSpan(Count * Dimension));
        Count += rows.Length / Dimension;
    }

    /// <summary>Writes the rows as little-endian float32.</summary>
    public void WriteTo(Stream s)
    {
        var buffer = new float[Math.Max(1, Math.Min(Count, 1 << 16) * Dimension)];
        for (int start = 0; start < Count;)
        {
            int n = Math.Min(Count - start, buffer.Length / Math.Max(1, Dimension));
            for (int r = 0; r < n; r++) Read(start + r, buffer.AsSpan(r * Dimension, Dimension));
            var bytes = MemoryMarshal.AsBytes(buffer.AsSpan(0, n * Dimension));
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Index files are little-endian; big-endian machines are not supported.");
            s.Write(bytes);
            start += n;
        }
    }

    private void DisposeMap()
    {
        _view?.Dispose();
        _map?.Dispose();
        _view = null;
        _map = null;
    }

    public void Dispose() => DisposeMap();
}
