using System.Runtime.InteropServices;

namespace TripletSharp;

/// <summary>
/// Environment variables for the native libraries in this process. They read the C library's environment, which
/// .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not change on Unix, so both are set.
/// </summary>
internal static class NativeEnvironment
{
    /// <summary>
    /// Sets <paramref name="name"/> to <paramref name="value"/> unless the environment already has it (the user's
    /// choice wins). It only matters if made before the library that reads it looks.
    /// </summary>
    /// <returns>Whether the variable was set.</returns>
    public static bool SetDefault(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is not null) return false;
        if (!OperatingSystem.IsWindows() && SetEnv(name, value, 0) != 0) return false;
        Environment.SetEnvironmentVariable(name, value);
        return true;
    }

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int SetEnv(string name, string value, int overwrite);
}
