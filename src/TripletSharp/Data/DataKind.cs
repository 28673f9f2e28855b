namespace TripletSharp.Data;

/// <summary>What the items of a dataset are.</summary>
public enum DataKind
{
    /// <summary>Images, stored as C×H×W with values in [0, 1].</summary>
    Images,

    /// <summary>Numeric feature vectors.</summary>
    Vectors,
}
