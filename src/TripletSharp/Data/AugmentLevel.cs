namespace TripletSharp.Data;

/// <summary>How strongly training images are augmented (see <see cref="ImageAugmentation.For"/> for what each level does).</summary>
public enum AugmentLevel
{
    /// <summary>No augmentation: training sees the images exactly as evaluation does.</summary>
    None,

    /// <summary>Random resized crop of 50–100 % of the area, aspect 3/4–4/3, and a left–right flip with probability ½.</summary>
    Light,

    /// <summary>Random resized crop of 8–100 % of the area (TorchVision's default), aspect 3/4–4/3, flip ½, colour jitter 0.4 (brightness, contrast, saturation).</summary>
    Standard,
}
