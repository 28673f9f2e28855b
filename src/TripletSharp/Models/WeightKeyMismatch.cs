namespace TripletSharp.Models;

/// <summary>One key of a pretrained weights file that does not fit the network.</summary>
/// <param name="Key">The key as PyTorch names it (for example <c>layer1.0.conv1.weight</c>).</param>
/// <param name="ModelShape">Its shape in the network; null when the network has no such key (unexpected key).</param>
/// <param name="FileShape">Its shape in the file; null when the file lacks it (missing key).</param>
public sealed record WeightKeyMismatch(string Key, long[]? ModelShape, long[]? FileShape)
{
    /// <summary>The problem in words, naming the key and both shapes.</summary>
    public string Describe(string architecture) => (ModelShape, FileShape) switch
    {
        (null, { } f) => $"'{Key}' {Shape(f)} in the file is not a key of {architecture}",
        ({ } m, null) => $"'{Key}' {Shape(m)} of {architecture} is missing from the file",
        ({ } m, { } f) => $"'{Key}' is {Shape(f)} in the file but {Shape(m)} in {architecture}",
        _ => $"'{Key}'",
    };

    internal static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";
}
