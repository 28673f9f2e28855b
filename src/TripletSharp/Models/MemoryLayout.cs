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
    public static Tensor ChannelsLast(Tensor t)
    {
        var nhwc = t.permute(0, 2, 3, 1).contiguous();
        // With one channel, N×H×W×1 is already contiguous, so the permutation back gives N×C×H×W strides, which libtorch
        // reads as N×C×H×W (its tie-break): a grey input and its first convolution's weight then make the convolution
        // write N×C×H×W, and the max-pooling after it runs about 10× slower (issue 14 §2). The channels-last strides
        // are set explicitly instead (the same memory: the channel index is always 0).
        if (t.shape[1] == 1)
            return nhwc.as_strided(t.shape, [t.shape[2] * t.shape[3], 1, t.shape[3], 1], nhwc.storage_offset());
        return nhwc.permute(0, 3, 1, 2);
    }
}
