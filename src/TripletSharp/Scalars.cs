using System.Collections.Concurrent;
using TorchSharp;

namespace TripletSharp;

/// <summary>
/// TorchSharp scalars that stay alive while libtorch reads them. TorchSharp frees a <see cref="Scalar"/> in its
/// finalizer, and a scalar made implicitly for a call (<c>x.gt(0)</c>, <c>x * 2.0</c>, <c>masked_fill(m, -inf)</c>) is
/// unreachable as soon as its handle is passed: a garbage collection triggered by another thread during the native call
/// frees it under libtorch, which then fails at random ("Expected false to be true" from <c>c10::Scalar::toFloat</c>)
/// or reads garbage. So the library never converts implicitly (a test scans the compiled IL): constants and
/// configuration values come from here, rooted for the life of the process, and per-call values are made with
/// <see cref="Make(double)"/> inside a <c>using</c>.
/// </summary>
internal static class Scalars
{
    private static readonly ConcurrentDictionary<double, Scalar> Reals = new();
    private static readonly ConcurrentDictionary<long, Scalar> Integers = new();

    /// <summary>Integer 0 (keeps integer tensors integer).</summary>
    public static Scalar I0 { get; } = Of(0L);

    /// <summary>Integer 1.</summary>
    public static Scalar I1 { get; } = Of(1L);

    /// <summary>Real 0.</summary>
    public static Scalar Zero { get; } = Of(0.0);

    /// <summary>Real 1.</summary>
    public static Scalar One { get; } = Of(1.0);

    /// <summary>Real 2.</summary>
    public static Scalar Two { get; } = Of(2.0);

    /// <summary>Real −∞.</summary>
    public static Scalar NegativeInfinity { get; } = Of(double.NegativeInfinity);

    /// <summary>Real +∞.</summary>
    public static Scalar PositiveInfinity { get; } = Of(double.PositiveInfinity);

    /// <summary>
    /// A rooted real scalar, cached for the process. Only for constants and configuration values (margins, epsilons):
    /// every distinct value stays allocated. Per-call values use <see cref="Make(double)"/>.
    /// </summary>
    public static Scalar Of(double value) => Reals.GetOrAdd(value, v => v.ToScalar());

    /// <summary>A rooted integer scalar, cached for the process (constants and sizes that repeat).</summary>
    public static Scalar Of(long value) => Integers.GetOrAdd(value, v => v.ToScalar());

    /// <summary>A new real scalar for one call; the caller disposes it (<c>using var s = Scalars.Make(v)</c>), which also keeps it alive.</summary>
    public static Scalar Make(double value) => value.ToScalar();

    /// <summary>A new integer scalar for one call; the caller disposes it.</summary>
    public static Scalar Make(long value) => value.ToScalar();

    /// <summary><c>torch.arange(n)</c> (int64) with rooted start, stop and step.</summary>
    public static torch.Tensor Arange(long n, torch.Device device)
    {
        using var stop = Make(n);
        return torch.arange(I0, stop, I1, torch.ScalarType.Int64, device);
    }
}
