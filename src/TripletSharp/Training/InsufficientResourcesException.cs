namespace TripletSharp.Training;

/// <summary>A run was refused before it started: its <see cref="ResourceEstimate"/> does not fit the memory or the free disk space this machine has.</summary>
public class InsufficientResourcesException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="disk">True when disk space is short, false when memory is.</param>
    /// <param name="message">One line: what is needed, what is available, and what fits.</param>
    public InsufficientResourcesException(bool disk, string message) : base(message) => Disk = disk;

    /// <summary>True when the free disk space of the output folder is short; false when memory is.</summary>
    public bool Disk { get; }
}
