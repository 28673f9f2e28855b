using System.Runtime.InteropServices;
using TorchSharp;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Training;

/// <summary>
/// Applies <see cref="TrainerOptions.Precision"/> to a model: the effective precision, after checking that the model
/// has a reduced-precision path and the device computes bfloat16 natively, with a one-line notice when it falls back.
/// </summary>
internal static class MixedPrecision
{
    private static readonly Lazy<bool> CpuBf16 = new(DetectCpuBf16);

    /// <summary>
    /// Whether <paramref name="device"/> runs bfloat16 convolutions and matrix products natively (faster than float32):
    /// on CPU, the <c>avx512_bf16</c> or <c>amx_bf16</c> flag and a tiny bfloat16 convolution that runs; elsewhere, the
    /// tiny convolution alone.
    /// </summary>
    public static bool SupportsBf16(Device device) =>
        device.type == DeviceType.CPU ? CpuBf16.Value : ProbeConvolution(device);

    /// <summary>
    /// Sets the compute type of <paramref name="model"/> for <paramref name="asked"/> and returns the precision in
    /// effect: <paramref name="asked"/>, or <see cref="TrainingPrecision.Fp32"/> (said once through <paramref name="say"/>)
    /// when the model has no reduced-precision path or the hardware has no native bfloat16.
    /// </summary>
    public static TrainingPrecision Apply(nn.Module model, TrainingPrecision asked, bool hardwareSupports, Action<string> say)
    {
        var reduced = model as IReducedPrecisionTraining;
        if (asked == TrainingPrecision.Fp32)
        {
            if (reduced is not null) reduced.TrainingComputeType = ScalarType.Float32;
            return TrainingPrecision.Fp32;
        }
        if (reduced is null || !reduced.SupportsReducedPrecision)
        {
            say($"Precision {TrainingPrecisions.Name(asked)}: the {(model is BackboneNet b ? ModelKinds.Name(b.Kind) : model.GetName())} model has no bfloat16 path; training in fp32.");
            return TrainingPrecision.Fp32;
        }
        if (!hardwareSupports)
        {
            say($"Precision {TrainingPrecisions.Name(asked)}: this machine has no native bfloat16 (CPU flag avx512_bf16 or amx_bf16); training in fp32.");
            reduced.TrainingComputeType = ScalarType.Float32;
            return TrainingPrecision.Fp32;
        }
        reduced.TrainingComputeType = ScalarType.BFloat16;
        return asked;
    }

    private static bool DetectCpuBf16()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo)) return false;
        try
        {
            var flags = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            if (flags is null) return false;
            var set = flags[(flags.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!set.Contains("avx512_bf16") && !set.Contains("amx_bf16")) return false;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
        return ProbeConvolution(torch.CPU);
    }

    /// <summary>One 1×1×4×4 bfloat16 convolution forward and backward; false when libtorch refuses it.</summary>
    private static bool ProbeConvolution(Device device)
    {
        try
        {
            using var scope = torch.NewDisposeScope();
            var w = torch.ones([1, 1, 3, 3], ScalarType.BFloat16, device, requires_grad: true);
            var y = nn.functional.conv2d(torch.ones([1, 1, 4, 4], ScalarType.BFloat16, device), w, padding: [1, 1]);
            y.sum().backward();
            return w.grad is not null && w.grad.dtype == ScalarType.BFloat16;
        }
        catch (Exception e) when (e is ExternalException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            return false;
        }
    }
}
