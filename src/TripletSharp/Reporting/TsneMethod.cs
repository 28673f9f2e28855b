namespace TripletSharp.Reporting;

/// <summary>How t-SNE computes its gradient.</summary>
public enum TsneMethod
{
    /// <summary>Sparse P over ⌊3·perplexity⌋ + 1 nearest neighbours and a quadtree for the repulsion (van der Maaten 2014): O(N log N) per iteration.</summary>
    BarnesHut,

    /// <summary>Dense P and Q: O(N²) memory and time per iteration; for a few thousand points.</summary>
    Exact,
}
