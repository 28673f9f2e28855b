namespace TripletSharp;

/// <summary>
/// Writes files so that a crash never leaves a half-written file: the content goes to a temporary file in the same
/// folder, is flushed to disk, then renamed over the target (an atomic replace on POSIX file systems).
/// </summary>
public static class AtomicFile
{
    /// <summary>Test hook: called with the target path before each write; throwing simulates a full disk or a read-only folder.</summary>
    internal static readonly AsyncLocal<Action<string>?> FaultInjector = new();

    /// <summary>Writes through <paramref name="write"/> into a temporary file, then renames it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        Guard.NotNull(path, nameof(path));
        Guard.NotNull(write, nameof(write));
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                FaultInjector.Value?.Invoke(full);
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(tmp);
            // Tells the tool that the failed write was a whole-file replacement, whose previous version is untouched.
            if (e is IOException or UnauthorizedAccessException) e.Data[FailedWriteKey] = full;
            throw;
        }
    }

    /// <summary>Key of <see cref="Exception.Data"/> holding the target path of a failed atomic write.</summary>
    public const string FailedWriteKey = "TripletSharp.AtomicFile.Target";

    /// <summary>Writes <paramref name="bytes"/> atomically.</summary>
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes, 0, bytes.Length));

    /// <summary>Writes UTF-8 <paramref name="text"/> atomically.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, new System.Text.UTF8Encoding(false).GetBytes(text));

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
