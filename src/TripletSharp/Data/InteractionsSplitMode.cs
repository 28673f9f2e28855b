namespace TripletSharp.Data;

/// <summary>How interactions are split into training and held-out parts.</summary>
public enum InteractionsSplitMode
{
    /// <summary>Each user's latest positive (by time) is held out; everything else trains.</summary>
    LeaveLastOut,

    /// <summary>One global cut in time: interactions after the cut are held out (the test fraction of all interactions).</summary>
    Time,

    /// <summary>A random test fraction of each user's positives is held out (at least one positive stays in training).</summary>
    Random,
}
