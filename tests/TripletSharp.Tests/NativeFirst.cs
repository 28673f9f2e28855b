using System.Runtime.CompilerServices;
using TripletSharp.Engine;

namespace TripletSharp.Tests;

/// <summary>
/// Loads the native libraries through <see cref="NativeLibraries.EnsureLoaded"/> before any test makes a tensor, as the
/// tool and the library's entry points do, so settings that must precede libtorch's first call (MKL's reproducible
/// mode) hold for every test whatever the order the tests run in.
/// </summary>
internal static class NativeFirst
{
    [ModuleInitializer]
    internal static void Load() => NativeLibraries.EnsureLoaded();
}
