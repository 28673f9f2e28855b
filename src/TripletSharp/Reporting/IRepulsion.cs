namespace TripletSharp.Reporting;

/// <summary>The repulsive half of the t-SNE gradient with its normaliser Z, computed over a whole map at once.</summary>
internal interface IRepulsion
{
    /// <summary>
    /// Writes Σ_{j≠i} num_ij² (y_i − y_j) for every point i to <paramref name="repel"/> (x0, y0, x1, y1, …) and returns
    /// Z = Σ_{i≠j} num_ij, with num_ij = (1 + ‖y_i − y_j‖²)⁻¹, for the first <paramref name="n"/> points of <paramref name="y"/>.
    /// </summary>
    double Compute(double[] y, int n, double[] repel);
}
