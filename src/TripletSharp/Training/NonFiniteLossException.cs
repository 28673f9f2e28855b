namespace TripletSharp.Training;

/// <summary>Training stopped because the loss or a gradient became NaN or infinite. The last good checkpoint is kept.</summary>
public class NonFiniteLossException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="quantity">"loss" or "gradient".</param>
    /// <param name="value">The offending value.</param>
    /// <param name="epoch">1-based epoch.</param>
    /// <param name="batch">1-based batch within the epoch.</param>
    /// <param name="checkpoint">Description of the checkpoint that is kept, if any.</param>
    public NonFiniteLossException(string quantity, double value, int epoch, int batch, string? checkpoint)
        : base($"non-finite {quantity} ({value.ToString(System.Globalization.CultureInfo.InvariantCulture)}) at epoch {epoch}, batch {batch}; training stopped. " +
               (checkpoint is null ? "No checkpoint had been written yet." : $"The last good checkpoint is kept: {checkpoint}.") +
               " Try a lower learning rate.")
    {
        Quantity = quantity;
        Value = value;
        Epoch = epoch;
        Batch = batch;
        Checkpoint = checkpoint;
    }

    /// <summary>"loss" or "gradient".</summary>
    public string Quantity { get; }

    /// <summary>The offending value.</summary>
    public double Value { get; }

    /// <summary>1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>1-based batch within the epoch.</summary>
    public int Batch { get; }

    /// <summary>The checkpoint that is kept, if any.</summary>
    public string? Checkpoint { get; }
}
