namespace TripletSharp.Engine;

/// <summary>Which explicit-triplet loss implementation to use (the choice never changes results, only speed).</summary>
internal enum ExplicitPath
{
    /// <summary>By size: row-wise measures for few triplets, the matrix otherwise.</summary>
    Auto,
    /// <summary>Row-wise measures on gathered embeddings.</summary>
    Pairwise,
    /// <summary>Gathers from the B×B matrix.</summary>
    Matrix,
}

/// <summary>
/// Per-thread switches that let tests run the device-independent torch implementations and every loss path on CPU
/// (the kernels are chosen automatically otherwise).
/// </summary>
internal static class EngineSwitches
{
    [ThreadStatic] private static bool _torchOnly;
    [ThreadStatic] private static ExplicitPath _explicitPath;

    /// <summary>Use torch-op implementations even where a CPU kernel exists.</summary>
    public static bool TorchOnly { get => _torchOnly; set => _torchOnly = value; }

    /// <summary>Forces an explicit-triplet path.</summary>
    public static ExplicitPath ExplicitPath { get => _explicitPath; set => _explicitPath = value; }
}
