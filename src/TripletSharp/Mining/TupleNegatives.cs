namespace TripletSharp.Mining;

/// <summary>Which extra negatives <see cref="TupleNegativeMiner"/> mines among a tuple batch's own rows.</summary>
public enum TupleNegatives
{
    /// <summary>Only the tuples' own negatives.</summary>
    None,

    /// <summary>Per anchor–positive (both ways), the closest row outside the anchor's group.</summary>
    Hardest,

    /// <summary>Per anchor–positive (both ways), every row outside the anchor's group with d_ap &lt; d_an &lt; d_ap + margin.</summary>
    SemiHard,
}
