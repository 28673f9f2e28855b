namespace TripletSharp.Models;

/// <summary>Which items of a train/test split to use.</summary>
public enum SplitSelection
{
    /// <summary>Training items, then test items.</summary>
    All,

    /// <summary>Training items only.</summary>
    Train,

    /// <summary>Test items only.</summary>
    Test,
}
