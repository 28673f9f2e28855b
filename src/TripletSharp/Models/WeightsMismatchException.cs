namespace TripletSharp.Models;

/// <summary>
/// A pretrained weights file does not fit the backbone: keys missing, unexpected, or of another shape. Nothing was
/// loaded. The message names the first few keys with both shapes; <see cref="Mismatches"/> lists them all.
/// </summary>
public sealed class WeightsMismatchException : ModelFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The weights file.</param>
    /// <param name="architecture">The backbone's name (for example resnet18).</param>
    /// <param name="mismatches">Every key that does not fit (at least one).</param>
    public WeightsMismatchException(string filePath, string architecture, IReadOnlyList<WeightKeyMismatch> mismatches)
        : base(filePath, Describe(architecture, mismatches))
    {
        Architecture = architecture;
        Mismatches = mismatches;
    }

    /// <summary>The backbone the file was loaded into.</summary>
    public string Architecture { get; }

    /// <summary>Every key that does not fit.</summary>
    public IReadOnlyList<WeightKeyMismatch> Mismatches { get; }

    private static string Describe(string architecture, IReadOnlyList<WeightKeyMismatch> mismatches)
    {
        const int shown = 3;
        var head = string.Join("; ", mismatches.Take(shown).Select(m => m.Describe(architecture)));
        var more = mismatches.Count > shown ? $"; and {mismatches.Count - shown} more key(s)" : "";
        return $"the weights do not fit {architecture}, nothing was loaded: {head}{more}";
    }
}
