using static TorchSharp.torch;

namespace TripletSharp.Models;

/// <summary>
/// Channels-last (NHWC) strides for 4-d tensors. TorchSharp 0.107 has no <c>memory_format</c> argument, but libtorch
/// picks its layout from the strides: a tensor permuted to N×H×W×C, made contiguous and permuted back to N×C×H×W is
/// channels-last, and convolutions, poolings and element-wise operations on it return channels-last tensors.
/// With bfloat16 on CPU this lets oneDNN run its NHWC kernels and makes max-pooling about 3× faster.
/// </summary>
internal static class MemoryLayout
{
    /// <summary><paramref name="t"/> (N×C×H×W) with channels-last strides; the same values and shape.</summary>
    public static Tensor ChannelsLast(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
}
