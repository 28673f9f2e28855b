using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace TripletSharp.Search;

/// <summary>
/// The few calls of USearch's C API (the native library shipped by the Cloud.Unum.USearch package) that the HNSW index
/// needs. The package's managed wrapper has no way to change expansion-search after loading and allocates per query,
/// so the index calls the same native library directly, with the package's own option struct and enums.
/// </summary>
internal static class UsearchNative
{
    private const string Library = "libusearch_c";

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern IntPtr usearch_init(ref IndexOptions options, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern void usearch_free(IntPtr index, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern void usearch_save(IntPtr index, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern void usearch_load(IntPtr index, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern void usearch_view(IntPtr index, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern void usearch_load_buffer(IntPtr index, IntPtr buffer, nuint length, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern nuint usearch_size(IntPtr index, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern nuint usearch_dimensions(IntPtr index, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern void usearch_reserve(IntPtr index, nuint capacity, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern void usearch_change_expansion_search(IntPtr index, nuint expansion, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern void usearch_add(IntPtr index, ulong key, ref float vector, ScalarKind kind, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern nuint usearch_search(IntPtr index, ref float query, ScalarKind kind, nuint count, ref ulong keys, ref float distances, out IntPtr error);

    public static IntPtr Init(IndexOptions options)
    {
        var handle = usearch_init(ref options, out var error);
        if (error != IntPtr.Zero)
        {
            if (handle != IntPtr.Zero) usearch_free(handle, out _);
            Throw(error, "init");
        }
        return handle;
    }

    public static void Free(IntPtr index) => usearch_free(index, out _);

    public static void Save(IntPtr index, string path)
    {
        usearch_save(index, path, out var error);
        Check(error, "save");
    }

    public static void Load(IntPtr index, string path, bool view)
    {
        IntPtr error;
        if (view) usearch_view(index, path, out error);
        else usearch_load(index, path, out error);
        Check(error, view ? "view" : "load");
    }

    /// <summary>Loads (copies) a serialised index from <paramref name="stream"/>, read from its start to its end.</summary>
    public static void LoadFrom(IntPtr index, Stream stream)
    {
        long length = stream.Length;
        var buffer = Marshal.AllocHGlobal((nint)Math.Max(1, length));
        try
        {
            stream.Position = 0;
            var chunk = new byte[1 << 20];
            for (long done = 0; done < length;)
            {
                int n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, length - done));
                if (n <= 0) throw new EndOfStreamException($"The graph ended after {done} of {length} bytes.");
                Marshal.Copy(chunk, 0, buffer + (nint)done, n);
                done += n;
            }
            usearch_load_buffer(index, buffer, (nuint)length, out var error);
            Check(error, "load_buffer");
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
        }
    }

    public static long Size(IntPtr index)
    {
        var n = usearch_size(index, out var error);
        Check(error, "size");
        return (long)n;
    }

    public static long Dimensions(IntPtr index)
    {
        var n = usearch_dimensions(index, out var error);
        Check(error, "dimensions");
        return (long)n;
    }

    public static void Reserve(IntPtr index, long capacity)
    {
        usearch_reserve(index, (nuint)capacity, out var error);
        Check(error, "reserve");
    }

    public static void ChangeExpansionSearch(IntPtr index, int expansion)
    {
        usearch_change_expansion_search(index, (nuint)expansion, out var error);
        Check(error, "change_expansion_search");
    }

    public static void Add(IntPtr index, ulong key, ReadOnlySpan<float> vector)
    {
        usearch_add(index, key, ref MemoryMarshal.GetReference(vector), ScalarKind.Float32, out var error);
        Check(error, "add");
    }

    public static int Search(IntPtr index, ReadOnlySpan<float> query, Span<ulong> keys, Span<float> distances)
    {
        var n = usearch_search(index, ref MemoryMarshal.GetReference(query), ScalarKind.Float32, (nuint)keys.Length,
            ref MemoryMarshal.GetReference(keys), ref MemoryMarshal.GetReference(distances), out var error);
        Check(error, "search");
        return (int)n;
    }

    private static void Check(IntPtr error, string call)
    {
        if (error != IntPtr.Zero) Throw(error, call);
    }

    private static void Throw(IntPtr error, string call) =>
        throw new InvalidOperationException($"USearch {call} failed: {Marshal.PtrToStringUTF8(error)}");
}
