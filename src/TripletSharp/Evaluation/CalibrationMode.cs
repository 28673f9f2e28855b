namespace TripletSharp.Evaluation;

/// <summary>What a threshold decides.</summary>
public enum CalibrationMode
{
    /// <summary>Pairs: same class or not, accepted when their distance is within the threshold (FAR/TAR, the LFW protocol).</summary>
    Verification,

    /// <summary>Queries against a gallery: the nearest item's class is the answer, accepted when within the threshold.</summary>
    Identification,
}
