using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;

namespace TripletSharp.Engine;

/// <summary>
/// Loads TorchSharp's native libraries once, before the first tensor, and when they do not load says why and what to
/// do. TorchSharp's own message on Linux blames a missing <c>libtorch-cpu-linux-x64</c> reference whatever the cause,
/// and then copies about 600 MB of libtorch into the application folder as a fallback. The usual cause on Debian 12,
/// Ubuntu 22.04 or RHEL 9 is that <c>libLibTorchSharp.so</c> (TorchSharp 0.107.0) asks for <c>GLIBCXX_3.4.32</c>
/// (GCC 13's libstdc++) for a symbol nothing calls; TripletSharp's build targets mark that requirement weak in the
/// application's copy. This type finds the application's copy, checks it before TorchSharp tries, and names the
/// cause: the GLIBCXX version required and found, or no native libtorch at all.
/// </summary>
internal static class NativeLibraries
{
    private const string ShimName = "libLibTorchSharp.so";
    private const string NeededGlibcxx = "GLIBCXX_3.4.32";
    private static readonly object Gate = new();
    private static bool loaded;

    /// <summary>
    /// Makes sure libtorch is loaded; cheap after the first successful call. Call it at a public entry point before
    /// any tensor work.
    /// </summary>
    /// <exception cref="NativeLibraryException">The native libraries cannot be loaded; the message says why and what to do.</exception>
    public static void EnsureLoaded()
    {
        if (Volatile.Read(ref loaded)) return;
        lock (Gate)
        {
            if (loaded) return;
            if (OperatingSystem.IsLinux()) CheckLinuxShim();
            RequestReproducibleBlas();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException)
            {
                throw new NativeLibraryException(
                    "TorchSharp's native libraries could not be loaded. " + (OperatingSystem.IsLinux() ? DescribeLinux() : "") +
                    $"Check that the application references a TorchSharp native package (TorchSharp-cpu or a CUDA one). TorchSharp said: {FirstLine(Innermost(e).Message)}", e);
            }
            if (OperatingSystem.IsLinux()) TurnOffNnpack();
            Volatile.Write(ref loaded, true);
        }
    }

    /// <summary>
    /// Asks MKL, libtorch's BLAS on x86, for its strict reproducible mode (<c>MKL_CBWR=AUTO,STRICT</c>: the CPU's fastest
    /// code path, and matrix products whose bits do not depend on the thread count), unless the environment sets
    /// <c>MKL_CBWR</c>. Otherwise MKL may split a product's inner sum across threads: on an Intel Xeon (2026-12-01) the
    /// band losses' closed-form gradient V·x differed in the last bits between 1 and 4 threads. No cost was measurable
    /// (the default training run and the loss benchmark, alternating). MKL reads the variable at its first call, so this
    /// runs before libtorch loads; an application that makes tensors before any TripletSharp entry point loads the
    /// libraries can set the variable itself.
    /// </summary>
    private static void RequestReproducibleBlas() => NativeEnvironment.SetDefault("MKL_CBWR", "AUTO,STRICT");

    /// <summary>
    /// Turns off libtorch's NNPACK convolutions, as PyTorch's <c>torch.backends.nnpack.set_flags(False)</c> does (TorchSharp
    /// has no such switch). libtorch tries NNPACK only for float32 convolutions that oneDNN declines (one small item, as a
    /// service embeds), and on a CPU NNPACK does not know (AMD Zen 5 here) each such call printed "Could not initialize
    /// NNPACK! Reason: Unsupported hardware." to stderr. Off, those calls take libtorch's own kernel on every CPU, so a
    /// result no longer depends on whether NNPACK knows the CPU. Nothing happens when the library or a symbol is not found.
    /// </summary>
    private static void TurnOffNnpack()
    {
        if (ContextMember("_ZN2at7Context20setUserEnabledNNPACKEb") is var (context, setEnabled))
            Marshal.GetDelegateForFunctionPointer<SetFlag>(setEnabled)(context, false);
    }

    /// <summary>libtorch's NNPACK switch as it stands (null when it cannot be read: not Linux, or a symbol is missing).</summary>
    internal static bool? NnpackEnabled() =>
        ContextMember("_ZNK2at7Context17userEnabledNNPACKEv") is var (context, enabled)
            ? Marshal.GetDelegateForFunctionPointer<GetFlag>(enabled)(context)
            : null;

    /// <summary>
    /// libtorch's global <c>at::Context</c> and the member function exported as <paramref name="mangledName"/> (Linux,
    /// Itanium mangling; null when the library or a symbol is not found).
    /// </summary>
    private static (IntPtr Context, IntPtr Function)? ContextMember(string mangledName)
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libtorch_cpu.so", typeof(torch).Assembly, null, out var library)) return null;
        if (!NativeLibrary.TryGetExport(library, "_ZN2at13globalContextEv", out var globalContext)
            || !NativeLibrary.TryGetExport(library, mangledName, out var function))
            return null;
        return (Marshal.GetDelegateForFunctionPointer<GlobalContext>(globalContext)(), function);
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContext();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool GetFlag(IntPtr context);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetFlag(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    /// <summary>Before TorchSharp tries (and falls back to copying libtorch into the application folder): is the shim loadable?</summary>
    private static void CheckLinuxShim()
    {
        var shim = FindShim();
        if (shim is null) return; // Not beside TorchSharp: a custom layout (a Python libtorch, NativeLibrary.Load by the app); let TorchSharp try.
        var requirement = GlibcxxRequirement(shim);
        if (requirement != GlibcxxRequirementKind.Strong) return;
        var (libstdcxx, newest) = SystemLibStdCxx();
        if (newest is not null && CompareGlibcxx(newest, NeededGlibcxx) >= 0) return;
        throw new NativeLibraryException(GlibcxxMessage(shim, libstdcxx, newest));
    }

    /// <summary>The one-paragraph explanation of the GLIBCXX problem and its three fixes.</summary>
    internal static string GlibcxxMessage(string shim, string? libstdcxx, string? newest) =>
        $"TorchSharp's native library cannot load on this system: {shim} requires {NeededGlibcxx} (libstdc++ of GCC 13 or newer), " +
        (libstdcxx is null ? "and no libstdc++.so.6 was found. " : $"but {libstdcxx} provides only up to {newest ?? "an unknown version"}. ") +
        "The requirement is for a symbol nothing calls, and TripletSharp's build targets mark it weak in the application's copy. " +
        "Fix one of: reference the TripletSharp package from the application project (its buildTransitive/TripletSharp.targets patches the output " +
        "and publish folders on build; do not set TripletSharpPatchLibTorchSharp=false), or rebuild after referencing it so the copy is patched; " +
        "or install a libstdc++ from GCC 13 or newer; or use a TorchSharp release built for this system's libstdc++.";

    private static string DescribeLinux()
    {
        var shim = FindShim();
        if (shim is null) return $"{ShimName} was not found beside TorchSharp.dll or under runtimes/linux-x64/native. ";
        var dir = Path.GetDirectoryName(shim)!;
        var hasLibtorch = File.Exists(Path.Combine(dir, "libtorch_cpu.so")) || File.Exists(Path.Combine(AppContext.BaseDirectory, "libtorch_cpu.so"));
        return hasLibtorch
            ? $"{shim} and libtorch are present; {LoadError(shim)} "
            : $"No native libtorch (libtorch_cpu.so) is present beside {shim}: add a package reference to TorchSharp-cpu (or libtorch-cpu, or a CUDA build) to the application. ";
    }

    private static string LoadError(string path)
    {
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
            return "the dynamic loader can load the shim.";
        }
        catch (DllNotFoundException e)
        {
            return "the dynamic loader says: " + FirstLine(e.Message);
        }
    }

    /// <summary>The application's copy of the shim: beside TorchSharp.dll, in the application folder, or under runtimes/linux-x64/native.</summary>
    internal static string? FindShim()
    {
        var torchDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        string?[] candidates =
        [
            torchDir is null ? null : Path.Combine(torchDir, ShimName),
            Path.Combine(AppContext.BaseDirectory, ShimName),
            torchDir is null ? null : Path.Combine(torchDir, "runtimes", "linux-x64", "native", ShimName),
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", ShimName),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>How an ELF shared library asks for <c>GLIBCXX_3.4.32</c> (its .gnu.version_r entry).</summary>
    internal enum GlibcxxRequirementKind
    {
        /// <summary>Not asked for, or the file could not be read as a 64-bit little-endian ELF file.</summary>
        None,

        /// <summary>Asked for and marked weak (VER_FLG_WEAK): the loader accepts an older libstdc++.</summary>
        Weak,

        /// <summary>Asked for: the loader refuses a libstdc++ without it.</summary>
        Strong,
    }

    /// <summary>Reads the version-needed entries of an ELF64 little-endian shared library; never throws.</summary>
    internal static GlibcxxRequirementKind GlibcxxRequirement(string path)
    {
        try
        {
            var b = File.ReadAllBytes(path);
            if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F' || b[4] != 2 || b[5] != 1)
                return GlibcxxRequirementKind.None;
            long shoff = BitConverter.ToInt64(b, 0x28);
            int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);
            for (int i = 0; i < shnum; i++)
            {
                int sh = checked((int)(shoff + (long)i * shentsize));
                if (BitConverter.ToUInt32(b, sh + 4) != 0x6ffffffe) continue; // SHT_GNU_verneed
                int vn = checked((int)BitConverter.ToInt64(b, sh + 0x18));
                int link = (int)BitConverter.ToUInt32(b, sh + 0x28);
                long strOff = BitConverter.ToInt64(b, checked((int)(shoff + (long)link * shentsize)) + 0x18);
                for (int entries = 0; entries < 1024; entries++)
                {
                    int count = BitConverter.ToUInt16(b, vn + 2);
                    int aux = vn + (int)BitConverter.ToUInt32(b, vn + 8);
                    for (int j = 0; j < count; j++)
                    {
                        int name = checked((int)(strOff + BitConverter.ToUInt32(b, aux + 8)));
                        int end = Array.IndexOf(b, (byte)0, name);
                        if (end > name && Encoding.ASCII.GetString(b, name, end - name) == NeededGlibcxx)
                            return (BitConverter.ToUInt16(b, aux + 4) & 2) != 0 ? GlibcxxRequirementKind.Weak : GlibcxxRequirementKind.Strong;
                        uint nextAux = BitConverter.ToUInt32(b, aux + 12);
                        if (nextAux == 0) break;
                        aux += (int)nextAux;
                    }
                    uint next = BitConverter.ToUInt32(b, vn + 12);
                    if (next == 0) break;
                    vn += (int)next;
                }
            }
            return GlibcxxRequirementKind.None;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or OverflowException)
        {
            return GlibcxxRequirementKind.None;
        }
    }

    /// <summary>
    /// The libstdc++.so.6 the loader would use (already mapped into this process, else the first in LD_LIBRARY_PATH and
    /// the usual library folders) and the newest GLIBCXX version it defines; nulls when none is found.
    /// </summary>
    internal static (string? Path, string? Newest) SystemLibStdCxx()
    {
        var path = MappedLibStdCxx() ?? SearchFolders().Select(d => Path.Combine(d, "libstdc++.so.6")).FirstOrDefault(File.Exists);
        if (path is null) return (null, null);
        try
        {
            return (path, NewestGlibcxx(File.ReadAllBytes(path)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (path, null);
        }
    }

    /// <summary>The newest <c>GLIBCXX_3.4.N</c> named in a library's bytes.</summary>
    internal static string? NewestGlibcxx(byte[] bytes)
    {
        var marker = "GLIBCXX_3.4"u8;
        string? newest = null;
        for (int at = bytes.AsSpan().IndexOf(marker); at >= 0;)
        {
            int end = at + marker.Length;
            if (end < bytes.Length && bytes[end] == (byte)'.')
            {
                int digits = end + 1;
                while (digits < bytes.Length && bytes[digits] >= (byte)'0' && bytes[digits] <= (byte)'9') digits++;
                if (digits > end + 1 && digits < bytes.Length && bytes[digits] == 0)
                {
                    var name = Encoding.ASCII.GetString(bytes, at, digits - at);
                    if (newest is null || CompareGlibcxx(name, newest) > 0) newest = name;
                }
            }
            else if (end < bytes.Length && bytes[end] == 0 && newest is null)
            {
                newest = "GLIBCXX_3.4";
            }
            int next = bytes.AsSpan(end).IndexOf(marker);
            at = next < 0 ? -1 : end + next;
        }
        return newest;
    }

    /// <summary>Orders <c>GLIBCXX_3.4</c>, <c>GLIBCXX_3.4.9</c>, <c>GLIBCXX_3.4.30</c> numerically.</summary>
    internal static int CompareGlibcxx(string a, string b)
    {
        static int Minor(string s)
        {
            var parts = s.Split('.');
            return parts.Length > 2 && int.TryParse(parts[2], out var m) ? m : 0;
        }
        return Minor(a).CompareTo(Minor(b));
    }

    private static string? MappedLibStdCxx()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int at = line.IndexOf('/');
                if (at >= 0 && (line.EndsWith("/libstdc++.so.6", StringComparison.Ordinal) || line.Contains("/libstdc++.so.6.", StringComparison.Ordinal)))
                    return line[at..];
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }

    private static IEnumerable<string> SearchFolders()
    {
        var fromEnv = (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return fromEnv.Concat(["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
            "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"]);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    private static string FirstLine(string text)
    {
        int end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
