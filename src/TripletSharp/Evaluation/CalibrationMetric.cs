namespace TripletSharp.Evaluation;

/// <summary>The figure a calibrated threshold is chosen to reach.</summary>
public enum CalibrationMetric
{
    /// <summary>False accept rate: at most the target; the threshold with the highest true accept rate is chosen.</summary>
    Far,

    /// <summary>Precision: at least the target; the threshold with the highest recall is chosen.</summary>
    Precision,

    /// <summary>Recall: at least the target; the tightest such threshold (the highest precision) is chosen.</summary>
    Recall,
}
