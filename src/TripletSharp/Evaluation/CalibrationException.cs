namespace TripletSharp.Evaluation;

/// <summary>Calibration data cannot give a threshold (one class, no positive or negative pairs, a target no threshold reaches).</summary>
public class CalibrationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and what to do.</param>
    public CalibrationException(string message) : base(message) { }
}
