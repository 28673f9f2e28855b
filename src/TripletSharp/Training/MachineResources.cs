using System.Globalization;

namespace TripletSharp.Training;

/// <summary>What this machine has left for a run: memory (<c>/proc/meminfo</c> MemAvailable, capped by a cgroup limit) and free disk space.</summary>
public static class MachineResources
{
    /// <summary>
    /// Bytes of memory a new allocation can get: <c>MemAvailable</c> of <c>/proc/meminfo</c>, or less when the process runs
    /// under a cgroup memory limit (v2 <c>memory.max</c> − <c>memory.current</c>, v1 <c>memory.limit_in_bytes</c> −
    /// <c>memory.usage_in_bytes</c>); null when none of these can be read (not Linux).
    /// </summary>
    public static long? AvailableMemoryBytes()
    {
        long? available = null;
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb)) available = kb * 1024;
                break;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or /proc is hidden: no figure.
        }
        long? cgroup = null;
        foreach (var (limit, usage) in CgroupFiles())
        {
            if (CgroupRemaining(limit, usage) is { } r && (cgroup is null || r < cgroup)) cgroup = r;
        }
        return cgroup is { } c && (available is null || c < available) ? c : available;
    }

    /// <summary>Free bytes for this user on the file system that holds <paramref name="path"/> (or its nearest existing parent); null when unknown.</summary>
    public static long? FreeDiskBytes(string path)
    {
        Guard.NotNull(path, nameof(path));
        try
        {
            var p = Path.GetFullPath(path);
            while (!Directory.Exists(p))
            {
                var parent = Path.GetDirectoryName(p);
                if (parent is null) return null;
                p = parent;
            }
            return new DriveInfo(p).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Bytes already in <paramref name="folder"/> and below (a resumed run's files are rewritten in place, not added).</summary>
    public static long FolderBytes(string folder)
    {
        Guard.NotNull(folder, nameof(folder));
        if (!Directory.Exists(folder)) return 0;
        try
        {
            return new DirectoryInfo(folder).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }).Sum(f => f.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The memory limit and usage files of this process's cgroup (v2 and v1, from <c>/proc/self/cgroup</c>) and of the cgroup root.</summary>
    private static IEnumerable<(string Limit, string Usage)> CgroupFiles()
    {
        yield return ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current");
        yield return ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes");
        string[] lines;
        try { lines = File.ReadAllLines("/proc/self/cgroup"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; }
        foreach (var line in lines)
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3 || parts[2] is "/" or "") continue;
            if (parts[0] == "0") yield return ($"/sys/fs/cgroup{parts[2]}/memory.max", $"/sys/fs/cgroup{parts[2]}/memory.current");
            else if (parts[1].Split(',').Contains("memory")) yield return ($"/sys/fs/cgroup/memory{parts[2]}/memory.limit_in_bytes", $"/sys/fs/cgroup/memory{parts[2]}/memory.usage_in_bytes");
        }
    }

    private static long? CgroupRemaining(string limitPath, string usagePath)
    {
        try
        {
            if (!File.Exists(limitPath)) return null;
            var limitText = File.ReadAllText(limitPath).Trim();
            if (!long.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit >= long.MaxValue / 2) return null; // "max", or v1's "no limit"
            long usage = File.Exists(usagePath) && long.TryParse(File.ReadAllText(usagePath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : 0;
            return Math.Max(0, limit - usage);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
