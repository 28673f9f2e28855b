namespace TripletSharp.Search;

/// <summary>An index does not fit the model, dimension or measure it is used with. The message names both fingerprints.</summary>
public class IndexMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What differs, naming both sides.</param>
    public IndexMismatchException(string message) : base(message) { }
}
