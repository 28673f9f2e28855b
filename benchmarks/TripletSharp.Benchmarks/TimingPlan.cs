namespace TripletSharp.Benchmarks;

/// <summary>How long to measure: warm-up runs, then rounds until at least <see cref="MinReps"/> and until <see cref="BudgetSeconds"/> or <see cref="MaxReps"/>.</summary>
internal sealed record TimingPlan(int Warmup, int MinReps, int MaxReps, double BudgetSeconds);
