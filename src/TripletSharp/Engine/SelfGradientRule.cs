namespace TripletSharp.Engine;

/// <summary>
/// Closed form of ∂/∂x of Σ_ij G_ij·E_ij(x) for a self-matrix, G = dL/dE (E distance-like). With V = G (divided
/// element-wise by the matrix when <paramref name="DivideByValue"/>, 0 where it is 0):
/// Laplacian measures (|x_i − x_j| based): Scale·(x ∘ (ΣV rows + ΣV columns) − V·x − Vᵀ·x);
/// inner-product measures: Scale·(V·x + Vᵀ·x).
/// </summary>
internal sealed record SelfGradientRule(bool Laplacian, bool DivideByValue, double Scale);
