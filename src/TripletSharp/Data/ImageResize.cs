namespace TripletSharp.Data;

/// <summary>How an image of any aspect ratio becomes the square size × size item a model takes.</summary>
public enum ImageResize
{
    /// <summary>Stretched to size × size (the aspect ratio is not kept): what every model trained before this choice existed reads.</summary>
    Stretch,

    /// <summary>
    /// The centred square of side min(width, height) (offset ⌊(max − min) / 2⌋ along the longer side), resized to
    /// size × size: the shorter side scaled to size, then a centre crop, as evaluation of photos is usually done.
    /// </summary>
    Crop,
}
