namespace TripletSharp;

/// <summary>
/// TorchSharp's native libraries (libtorch and its shim) cannot be loaded. The message names the cause found (for
/// example the GLIBCXX version the shim requires and the one the system's libstdc++ provides, or no native libtorch
/// package) and what to do; <see cref="Exception.InnerException"/> holds TorchSharp's own error when there was one.
/// </summary>
public class NativeLibraryException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The cause and what to do.</param>
    /// <param name="inner">TorchSharp's own error, if any.</param>
    public NativeLibraryException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
